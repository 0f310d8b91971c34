"""GET /api/attendance/anomalies: state, missing side, suggested request type, scope and bad input."""

import pytest

from tests.attendance.conftest import client_for
from tests.payroll_cycles.conftest import admin_api, error_code, record

pytestmark = pytest.mark.django_db
URL = "/api/attendance/anomalies"


def test_anomalies_say_what_to_ask_for_and_whether_a_request_is_pending(team, march):
    emma = team["emma"]
    record(emma, "2026-03-02")
    record(emma, "2026-03-03", "partial", end="")
    record(emma, "2026-03-04", "partial", start="")
    record(emma, "2026-03-05", "absent", start="", end="")
    record(emma, "2026-03-06", "late", start="09:30", late=30)
    record(emma, "2026-03-07", "off", start="", end="")
    client_for(emma).post(
        "/api/attendance/adjustments",
        {
            "kind": "time_correction",
            "workDate": "2026-03-06",
            "requestedInAt": "2026-03-06T09:00:00+08:00",
            "reason": "bus",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    body = admin_api(team).get(URL, {"cycle": march["id"]}).json()
    rows = {r["workDate"]: r for r in body["results"]}
    assert sorted(rows) == ["2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    assert (rows["2026-03-03"]["missingSide"], rows["2026-03-03"]["suggestedRequestType"]) == (
        "out",
        "missed_check_out",
    )
    assert rows["2026-03-04"]["suggestedRequestType"] == "missed_check_in"
    assert (rows["2026-03-05"]["missingSide"], rows["2026-03-05"]["suggestedRequestType"]) == (
        "both",
        "leave",
    )
    assert (
        rows["2026-03-06"]["state"] == "pending"
        and rows["2026-03-06"]["request"]["type"] == "time_correction"
    )
    assert rows["2026-03-03"]["state"] == "open" and rows["2026-03-03"]["request"] is None
    owed = admin_api(team).get(URL, {"from": "2026-03-01", "to": "2026-03-31", "filter": "owed_punch"}).json()
    assert [r["workDate"] for r in owed["results"]] == ["2026-03-03", "2026-03-04"]


def test_employees_see_only_their_own_anomalies_and_bad_input_is_400(team, march):
    record(team["emma"], "2026-03-03", "absent", start="", end="")
    record(team["wang"], "2026-03-03", "absent", start="", end="")
    mine = client_for(team["wang"]).get(URL, {"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert [r["username"] for r in mine["results"]] == ["wang"]
    assert client_for(team["wang"]).get(URL, {"member": "emma"}).status_code == 404
    for query in ({"from": "2026-03-31", "to": "2026-03-01"}, {"filter": "some"}, {"to": "2026-03-32"}):
        response = admin_api(team).get(URL, query)
        assert response.status_code == 400, query
    assert error_code(admin_api(team).get(URL, {"cycle": "999999"})) == "PAYROLL_CYCLE_NOT_FOUND"
