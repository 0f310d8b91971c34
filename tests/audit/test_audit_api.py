"""The operation log over the API: filters, cursor pages, streamed CSV export, summary, retention settings."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.access import roles
from apps.audit.models import OperationLog
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/audit-logs"


@pytest.fixture
def admin_api(api, admin_member):
    # Authenticated without a sign-in, so that no login entry joins the log under test.
    api.force_authenticate(user=admin_member.user)
    return api


@pytest.fixture
def log(org, other_org, admin_member, make_member):
    emma = make_member("emma")
    audit_record(action="access.role.assign", actor=admin_member, target=emma, details={"roles": ["x"]})
    audit_record(action="access.role.unassign", actor=admin_member, target=emma, result="failed")
    audit_record(action="imports.batch.rollback", actor=emma, details={"note": "payroll March"})
    audit_record(action="access.member.create", actor_label='=HYPERLINK("http://evil")', organization=org)
    audit_record(action="access.role.assign", organization=other_org, details={"secret": "other org"})
    return emma


def results(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [entry["action"] for entry in response.json()["results"]]


def test_list_is_newest_first_and_scoped_to_the_organization(admin_api, log, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = admin_api.get(BASE)
    assert results(response) == [
        "access.member.create",
        "imports.batch.rollback",
        "access.role.unassign",
        "access.role.assign",
    ]
    entry = response.json()["results"][-1]
    assert entry["actorLabel"] == "boss" and entry["targetType"] == "access.membership"
    assert entry["sequence"] == 1 and len(entry["entryHash"]) == 64
    assert "other org" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "access.role."}, ["access.role.unassign", "access.role.assign"]),
        ({"action": "imports"}, ["imports.batch.rollback"]),
        ({"actor": "emma"}, ["imports.batch.rollback"]),
        ({"result": "failed"}, ["access.role.unassign"]),
        ({"q": "payroll"}, ["imports.batch.rollback"]),
        ({"q": "HYPERLINK"}, ["access.member.create"]),
    ],
)
def test_filters(admin_api, log, params, expected):
    assert results(admin_api.get(BASE, params)) == expected


def test_filter_by_target_and_actor_id(admin_api, log, admin_member):
    target = f"access.membership:{log.pk}"
    assert results(admin_api.get(BASE, {"target": target})) == ["access.role.unassign", "access.role.assign"]
    assert len(results(admin_api.get(BASE, {"actor": str(admin_member.user_id)}))) == 2


def test_from_and_to_take_dates_in_the_organization_timezone_or_datetimes(admin_api, org):
    # 2026-03-01 23:30 in Shanghai is 15:30 UTC.
    with time_machine.travel("2026-03-01T15:30:00Z", tick=False):
        audit_record(action="tests.day.one", organization=org)
    with time_machine.travel("2026-03-01T16:30:00Z", tick=False):  # 00:30 on 03-02 in Shanghai
        audit_record(action="tests.day.two", organization=org)
    assert results(admin_api.get(BASE, {"from": "2026-03-01", "to": "2026-03-01"})) == ["tests.day.one"]
    assert results(admin_api.get(BASE, {"from": "2026-03-02"})) == ["tests.day.two"]
    assert results(admin_api.get(BASE, {"from": "2026-03-01T16:00:00Z"})) == ["tests.day.two"]


@pytest.mark.parametrize(
    "params", [{"from": "yesterday"}, {"to": "2026-02-30"}, {"result": "maybe"}, {"action": "x" * 201}]
)
def test_bad_filters_get_400(admin_api, log, params):
    response = admin_api.get(BASE, params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_cursor_pages_are_stable_while_new_entries_arrive(admin_api, org):
    for i in range(7):
        audit_record(action=f"tests.n.{i}", organization=org)
    first = admin_api.get(BASE, {"pageSize": 3}).json()
    assert [e["sequence"] for e in first["results"]] == [7, 6, 5]
    audit_record(action="tests.n.late", organization=org)  # arrives between page requests
    second = admin_api.get(first["next"]).json()
    third = admin_api.get(second["next"]).json()
    assert [e["sequence"] for e in second["results"]] == [4, 3, 2]
    assert [e["sequence"] for e in third["results"]] == [1] and third["next"] is None


def test_export_streams_csv_with_formulas_escaped_and_is_itself_recorded(admin_api, log):
    response = admin_api.get(f"{BASE}/export.csv", {"action": "access."})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["sequence", "created_at", "actor", "action"]
    assert [row[3] for row in rows[1:]] == [
        "access.role.assign",
        "access.role.unassign",
        "access.member.create",
    ]
    assert rows[3][2] == '\'=HYPERLINK("http://evil")'
    assert "other org" not in body
    exported = OperationLog.objects.get(action="audit.log.export")
    assert exported.details == {"action": "access."} and exported.actor_label == "boss"


def test_export_with_bad_filters_is_a_json_error(admin_api, log):
    response = admin_api.get(f"{BASE}/export.csv", {"from": "nope"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_every_bad_filter_is_named_and_nothing_is_exported(admin_api, log):
    response = admin_api.get(f"{BASE}/export.csv", {"result": "maybe", "actor": "x" * 201, "q": "y" * 201})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (
        error["code"] == "VALIDATION_ERROR" and error["message"] == "`result` must be ok, denied or failed."
    )
    assert error["details"]["fields"]["result"] == ["Not one of ok, denied, failed."]
    assert error["details"]["fields"]["actor"] == ["Too long."]
    assert set(error["details"]["fields"]) == {"result", "actor", "q"}
    assert not OperationLog.objects.filter(action="audit.log.export").exists()


def test_summary_counts_by_action_actor_and_result_over_a_window(admin_api, log, org):
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        audit_record(action="tests.long.ago", organization=org)
    body = admin_api.get(f"{BASE}/summary").json()
    assert body["total"] == 4
    assert {"key": "access.role.assign", "count": 1} in body["byAction"]
    assert {"key": "boss", "count": 2} in body["byActor"]
    assert {row["key"]: row["count"] for row in body["byResult"]} == {"ok": 3, "failed": 1}
    wide = admin_api.get(
        f"{BASE}/summary", {"from": (timezone.now() - timedelta(days=60)).date().isoformat()}
    )
    assert wide.json()["total"] == 5


def test_only_admins_read_the_log(api_as, make_member, log):
    for role in (roles.EMPLOYEE, roles.APPROVER, roles.IMPORTER):
        client = api_as(make_member(f"who-{role}", role))
        for path in ("", "/export.csv", "/summary"):
            assert client.get(f"{BASE}{path}").status_code == 403


def test_retention_settings_are_validated_saved_and_audited(admin_api, org):
    url = "/api/attendance-admin/settings/retention"
    assert admin_api.get(url).json() == {"operationLogDays": 1095, "attendanceDays": 2555}
    saved = admin_api.put(url, {"operationLogDays": 400}, format="json")
    assert saved.status_code == 200 and saved.json() == {"operationLogDays": 400, "attendanceDays": 2555}
    admin_api.put(url, {"operationLogDays": 400}, format="json")  # a retry
    org.refresh_from_db()
    assert org.settings["retention"] == {"operationLogDays": 400}
    entries = OperationLog.objects.filter(action="audit.retention.update")
    assert entries.count() == 2 and entries.first().details["after"]["operationLogDays"] == 400
    for bad in ({"operationLogDays": 5}, {"attendanceDays": 99999}, {"operationLogDays": "many"}):
        response = admin_api.put(url, bad, format="json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"
    org.refresh_from_db()
    assert org.settings["retention"] == {"operationLogDays": 400}
