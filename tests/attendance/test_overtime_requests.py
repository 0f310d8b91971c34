"""Overtime requests: create (idempotent), list, read, approve / reject / cancel through the shared decision
path, who may decide, the approver inbox, webhook events, audit entries, locked periods and bad input."""

import pytest
import time_machine

from apps.attendance.models import OvertimeRequest
from apps.audit.models import OperationLog, OutboxEvent
from tests.attendance.conftest import at, client_for

pytestmark = pytest.mark.django_db

NOW = at("2026-03-03 10:00")
URL = "/api/attendance/overtime-requests"


def create(client, key="ot-1", **overrides):
    body = {"workDate": "2026-03-02", "minutes": 90, "reason": "Release night", **overrides}
    with time_machine.travel(NOW, tick=False):
        return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def decide(client, request_id, verb, comment=""):
    with time_machine.travel(NOW, tick=False):
        return client.post(f"{URL}/{request_id}/{verb}", {"comment": comment}, format="json")


def code(response) -> str:
    return response.json()["error"]["code"]


def test_an_employee_asks_for_overtime_and_a_retry_returns_the_same_request(team):
    emma = client_for(team["emma"])
    first = create(emma)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["workDate"], body["minutes"], body["reason"], body["status"]) == (
        "2026-03-02",
        90,
        "Release night",
        "pending",
    )
    assert body["member"]["username"] == "emma" and body["decidedBy"] is None
    again = create(emma)
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert again["Idempotent-Replayed"] == "true"
    reused = create(emma, minutes=120)
    assert reused.status_code == 409 and code(reused) == "IDEMPOTENCY_KEY_REUSED"
    assert OvertimeRequest.objects.count() == 1
    assert OperationLog.objects.filter(action="attendance.overtime.create").count() == 1
    assert emma.get(f"{URL}/{body['id']}").json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"minutes": 0}, "VALIDATION_ERROR"),
        ({"minutes": 1441}, "VALIDATION_ERROR"),
        ({"minutes": "lots"}, "VALIDATION_ERROR"),
        ({"reason": ""}, "VALIDATION_ERROR"),
        ({"reason": "x" * 501}, "VALIDATION_ERROR"),
        ({"workDate": "2026-02-30"}, "VALIDATION_ERROR"),
        ({"workDate": "2026-04-04"}, "DATE_IN_FUTURE"),  # more than 31 days ahead
        ({"workDate": "2025-03-01"}, "VALIDATION_ERROR"),  # more than 366 days back
    ],
)
def test_bad_overtime_input_is_400_and_writes_nothing(team, overrides, expected):
    response = create(client_for(team["emma"]), **overrides)
    assert response.status_code == 400, response.json()
    assert code(response) == expected
    assert not OvertimeRequest.objects.exists()


def test_without_an_idempotency_key_it_is_400(team):
    with time_machine.travel(NOW, tick=False):
        response = client_for(team["emma"]).post(
            URL, {"workDate": "2026-03-02", "minutes": 30, "reason": "x"}, format="json"
        )
    assert response.status_code == 400 and code(response) == "IDEMPOTENCY_KEY_REQUIRED"


def test_planned_overtime_may_be_asked_ahead_and_one_pending_per_day(team):
    emma = client_for(team["emma"])
    assert create(emma, key="a", workDate="2026-04-03").status_code == 201  # 31 days ahead
    assert create(emma, key="b").status_code == 201
    second = create(emma, key="c", minutes=30)
    assert second.status_code == 409 and code(second) == "REQUEST_ALREADY_PENDING"


def test_the_manager_approves_once_and_the_decision_is_audited_with_events(team):
    request_id = create(client_for(team["emma"])).json()["id"]
    approved = decide(client_for(team["approver"]), request_id, "approve", "thanks")
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["decidedBy"], approved.json()["decisionComment"]) == (
        "approved",
        "alan",
        "thanks",
    )
    twice = decide(client_for(team["admin"]), request_id, "approve")
    assert twice.status_code == 409 and code(twice) == "REQUEST_NOT_PENDING"
    assert OperationLog.objects.filter(action="attendance.overtime.approve", result="ok").count() == 1
    events = list(OutboxEvent.objects.order_by("pk").values_list("type", "data"))
    assert [t for t, _ in events] == ["overtime.submitted", "overtime.decided"]
    submitted, decided = events[0][1], events[1][1]
    assert (submitted["requestId"], submitted["minutes"], submitted["workDate"]) == (
        request_id,
        90,
        "2026-03-02",
    )
    assert (decided["status"], decided["decidedBy"], decided["member"]["username"]) == (
        "approved",
        "alan",
        "emma",
    )
    # A new request for the same day is allowed once the first is decided (more overtime later that day).
    assert create(client_for(team["emma"]), key="ot-2", minutes=30).status_code == 201


def test_who_may_decide(team):
    request_id = create(client_for(team["emma"])).json()["id"]
    own = decide(client_for(team["emma"]), request_id, "approve")
    assert own.status_code == 403 and code(own) == "CANNOT_DECIDE_OWN_REQUEST"
    assert decide(client_for(team["olga"]), request_id, "approve").status_code == 404
    assert client_for(team["wang"]).get(f"{URL}/{request_id}").status_code == 404
    no_comment = decide(client_for(team["approver"]), request_id, "reject")
    assert no_comment.status_code == 400
    rejected = decide(client_for(team["admin"]), request_id, "reject", "not agreed")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert OperationLog.objects.filter(action="attendance.overtime.approve", result="denied").count() == 1


def test_the_requester_cancels_pending_or_approved_overtime_others_cannot(team):
    emma = client_for(team["emma"])
    pending = create(emma, key="a").json()["id"]
    assert decide(client_for(team["approver"]), pending, "cancel").status_code == 403
    assert decide(emma, pending, "cancel").json()["status"] == "cancelled"
    approved = create(emma, key="b").json()["id"]
    decide(client_for(team["approver"]), approved, "approve")
    cancelled = decide(emma, approved, "cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = decide(emma, approved, "cancel")
    assert again.status_code == 409 and code(again) == "REQUEST_NOT_PENDING"


def test_lists_mine_and_the_team_inbox(team):
    create(client_for(team["emma"]), key="a")
    create(client_for(team["wang"]), key="b", workDate="2026-03-01")
    create(client_for(team["olga"]), key="c")
    mine = client_for(team["emma"]).get(URL).json()
    assert [r["member"]["username"] for r in mine["results"]] == ["emma"]
    inbox = client_for(team["approver"]).get(URL, {"scope": "team", "status": "pending"}).json()
    assert sorted(r["member"]["username"] for r in inbox["results"]) == ["emma", "wang"]
    everyone = client_for(team["admin"]).get(URL, {"scope": "team"}).json()
    assert everyone["count"] == 3
    assert client_for(team["admin"]).get(URL, {"status": "maybe"}).status_code == 400


def test_the_approvers_inbox_page_shows_and_decides_overtime(team):
    request_id = create(client_for(team["emma"])).json()["id"]
    client = client_for(team["approver"])
    client.force_login(team["approver"].user)
    page = client.get("/attendance/approvals/")
    assert page.status_code == 200
    assert f'data-testid="row-overtime-{request_id}"' in page.content.decode()
    with time_machine.travel(NOW, tick=False):
        decided = client.post(f"/attendance/approvals/overtime/{request_id}/approve/", {})
    assert decided.status_code == 302
    assert OvertimeRequest.objects.get(pk=request_id).status == "approved"


def test_a_locked_date_refuses_asking_approving_and_cancelling(team, lock_dates):
    emma = client_for(team["emma"])
    pending = create(emma, key="a").json()["id"]
    approved = create(emma, key="b", workDate="2026-03-01").json()["id"]
    decide(client_for(team["approver"]), approved, "approve")
    lock_dates(team["emma"], {at("2026-03-01 00:00").date(), at("2026-03-02 00:00").date()})
    for response in (
        create(emma, key="c", workDate="2026-03-01"),
        decide(client_for(team["approver"]), pending, "approve"),
        decide(emma, approved, "cancel"),
    ):
        assert response.status_code == 409 and code(response) == "PERIOD_LOCKED", response.json()
    assert OvertimeRequest.objects.get(pk=pending).status == "pending"
    assert OvertimeRequest.objects.get(pk=approved).status == "approved"
    assert OvertimeRequest.objects.count() == 2
