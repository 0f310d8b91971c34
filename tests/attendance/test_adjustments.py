"""Adjustment requests: create (idempotent), approve (applies to the record), reject, cancel, who may
decide, deciding twice, and bad input."""

import pytest
import time_machine

from apps.attendance.models import AdjustmentRequest, DailyRecord, Punch
from apps.audit.models import OperationLog
from tests.attendance.conftest import at, client_for, get_record, post_punch

pytestmark = pytest.mark.django_db

NOW = at("2026-03-03 10:00")


def create(client, key="adj-1", **overrides):
    body = {
        "kind": "missed_check_out",
        "workDate": "2026-03-02",
        "requestedOutAt": "2026-03-02T18:05:00+08:00",
        "reason": "Forgot to clock out.",
        **overrides,
    }
    with time_machine.travel(NOW, tick=False):
        return client.post("/api/attendance/adjustments", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def decide(client, request_id, verb, comment=""):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            f"/api/attendance/adjustments/{request_id}/{verb}", {"comment": comment}, format="json"
        )


@pytest.fixture
def partial_day(team):
    post_punch(client_for(team["emma"]), at("2026-03-02 09:00"), "in")
    assert get_record(client_for(team["emma"]), "2026-03-02")["status"] == "partial"


def test_approving_a_missed_check_out_fixes_the_record_and_keeps_its_source(team, partial_day):
    created = create(client_for(team["emma"]))
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending"
    response = decide(client_for(team["approver"]), created.json()["id"], "approve", "ok")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decidedBy"]) == ("approved", "alan")
    record = get_record(client_for(team["emma"]), "2026-03-02")
    assert record["status"] == "adjusted"
    assert record["source"] == "computed"
    assert record["lastOutAt"] == "2026-03-02T10:05:00Z"
    assert record["workedMinutes"] == 9 * 60 + 5 - 60
    assert record["version"] == 2
    assert Punch.objects.filter(source="adjustment", kind="out").count() == 1
    assert OperationLog.objects.filter(action="attendance.adjustment.approve").count() == 1


def test_time_correction_replaces_a_wrong_first_in(team):
    client = client_for(team["emma"])
    post_punch(client, at("2026-03-02 09:40"), "in")
    post_punch(client, at("2026-03-02 18:00"), "out")
    created = create(
        client,
        kind="time_correction",
        requestedOutAt=None,
        requestedInAt="2026-03-02T08:58:00+08:00",
        reason="Badge reader was down.",
    )
    decide(client_for(team["admin"]), created.json()["id"], "approve")
    record = get_record(client, "2026-03-02")
    assert (record["status"], record["firstInAt"], record["lateMinutes"]) == (
        "adjusted",
        "2026-03-02T00:58:00Z",
        0,
    )


def test_creating_again_with_the_same_key_returns_the_first_request(team):
    client = client_for(team["emma"])
    first = create(client)
    again = create(client)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    conflict = create(client, reason="Something else")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert AdjustmentRequest.objects.count() == 1


def test_a_second_pending_request_for_the_same_day_is_409(team):
    client = client_for(team["emma"])
    create(client)
    response = create(client, key="adj-2", reason="Again")
    assert response.status_code == 409 and response.json()["error"]["code"] == "REQUEST_ALREADY_PENDING"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"kind": "teleport"}, "VALIDATION_ERROR"),
        ({"reason": "   "}, "VALIDATION_ERROR"),
        ({"workDate": "2026-03-09"}, "DATE_IN_FUTURE"),
        ({"requestedOutAt": None}, "VALIDATION_ERROR"),
        ({"kind": "missed_check_in"}, "VALIDATION_ERROR"),
        ({"requestedOutAt": "2026-03-05T18:00:00+08:00"}, "VALIDATION_ERROR"),
        ({"requestedOutAt": "2026-03-02T18:00:00"}, "VALIDATION_ERROR"),
        ({"kind": "time_correction", "requestedInAt": "2026-03-02T19:00:00+08:00"}, "VALIDATION_ERROR"),
        ({"workDate": "yesterday"}, "VALIDATION_ERROR"),
    ],
)
def test_bad_adjustment_input_is_400_and_writes_nothing(team, overrides, code):
    response = create(client_for(team["emma"]), **overrides)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == code
    assert not AdjustmentRequest.objects.exists()


def test_missing_idempotency_key_is_400(team):
    response = client_for(team["emma"]).post("/api/attendance/adjustments", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"


def test_approving_twice_returns_409_and_changes_nothing(team, partial_day):
    request_id = create(client_for(team["emma"])).json()["id"]
    assert decide(client_for(team["approver"]), request_id, "approve").status_code == 200
    version = DailyRecord.objects.get().version
    for verb in ("approve", "reject", "cancel"):
        client = client_for(team["emma"] if verb == "cancel" else team["approver"])
        response = decide(client, request_id, verb, "no")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "REQUEST_NOT_PENDING"
    assert DailyRecord.objects.get().version == version
    assert Punch.objects.filter(source="adjustment").count() == 1


def test_the_requester_cannot_approve_their_own_request_even_as_admin(team):
    admin_request = create(client_for(team["admin"])).json()["id"]
    response = decide(client_for(team["admin"]), admin_request, "approve")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "CANNOT_DECIDE_OWN_REQUEST"
    assert AdjustmentRequest.objects.get().status == "pending"
    assert OperationLog.objects.filter(action="attendance.adjustment.approve", result="denied").count() == 1


def test_only_the_manager_or_an_admin_may_decide(team, make_member):
    request_id = create(client_for(team["emma"])).json()["id"]
    # A colleague cannot even see it; another approver sees nothing of a team not theirs.
    assert decide(client_for(team["wang"]), request_id, "approve").status_code == 404
    other_approver = make_member("otto", "attendance_approver")
    assert decide(client_for(other_approver), request_id, "approve").status_code == 404
    assert AdjustmentRequest.objects.get().status == "pending"
    assert decide(client_for(team["admin"]), request_id, "approve").status_code == 200


def test_reject_needs_a_comment_and_then_changes_no_record(team, partial_day):
    request_id = create(client_for(team["emma"])).json()["id"]
    missing = decide(client_for(team["approver"]), request_id, "reject")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "VALIDATION_ERROR"
    response = decide(client_for(team["approver"]), request_id, "reject", "No proof.")
    assert response.json()["status"] == "rejected"
    assert get_record(client_for(team["emma"]), "2026-03-02")["status"] == "partial"


def test_requester_cancels_a_pending_request_others_cannot(team):
    request_id = create(client_for(team["emma"])).json()["id"]
    assert decide(client_for(team["approver"]), request_id, "cancel").status_code == 403
    response = decide(client_for(team["emma"]), request_id, "cancel")
    assert response.json()["status"] == "cancelled"


def test_lists_mine_and_team_pending(team):
    emma_request = create(client_for(team["emma"])).json()["id"]
    create(client_for(team["olga"]))
    mine = client_for(team["emma"]).get("/api/attendance/adjustments").json()
    assert [r["id"] for r in mine["results"]] == [emma_request]
    inbox = (
        client_for(team["approver"])
        .get("/api/attendance/adjustments", {"scope": "team", "status": "pending"})
        .json()
    )
    assert [r["id"] for r in inbox["results"]] == [emma_request]
    everyone = client_for(team["admin"]).get("/api/attendance/adjustments", {"scope": "team"}).json()
    assert everyone["count"] == 2
    bad = client_for(team["admin"]).get("/api/attendance/adjustments", {"scope": "all"})
    assert bad.status_code == 400


def test_bulk_approve_reports_each_request(team, partial_day):
    ok_id = create(client_for(team["emma"])).json()["id"]
    outsider_id = create(client_for(team["olga"])).json()["id"]
    with time_machine.travel(NOW, tick=False):
        response = client_for(team["approver"]).post(
            "/api/attendance/requests/bulk-approve",
            {"adjustmentIds": [ok_id, outsider_id, 999999]},
            format="json",
        )
    body = response.json()
    assert (body["approved"], body["failed"]) == (1, 2)
    assert [(r["id"], r["ok"], r["code"]) for r in body["results"]] == [
        (ok_id, True, ""),
        (outsider_id, False, "FORBIDDEN"),
        (999999, False, "NOT_FOUND"),
    ]
    assert AdjustmentRequest.objects.get(pk=outsider_id).status == "pending"


def test_bulk_approve_retried_changes_nothing_more_and_bad_input_is_400(team, partial_day):
    request_id = create(client_for(team["emma"])).json()["id"]
    approver = client_for(team["approver"])
    with time_machine.travel(NOW, tick=False):
        first = approver.post(
            "/api/attendance/requests/bulk-approve", {"adjustmentIds": [request_id]}, format="json"
        )
        again = approver.post(
            "/api/attendance/requests/bulk-approve", {"adjustmentIds": [request_id]}, format="json"
        )
        bad = approver.post(
            "/api/attendance/requests/bulk-approve", {"adjustmentIds": ["one"]}, format="json"
        )
    assert first.json()["approved"] == 1
    assert again.json()["results"] == [
        {
            "requestType": "adjustment",
            "id": request_id,
            "ok": False,
            "code": "REQUEST_NOT_PENDING",
            "message": "This request is already approved.",
        }
    ]
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    assert DailyRecord.objects.get().version == 2
    assert Punch.objects.filter(source="adjustment").count() == 1


def test_bulk_approve_is_403_for_members_who_cannot_approve_and_decides_nothing(team, partial_day):
    request_id = create(client_for(team["emma"])).json()["id"]
    response = client_for(team["olga"]).post(
        "/api/attendance/requests/bulk-approve", {"adjustmentIds": [request_id]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert AdjustmentRequest.objects.get(pk=request_id).status == "pending"
