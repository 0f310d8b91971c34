"""Leave: types and balances, requests over working days, overlap, balance, approval writes the usage,
cancel restores it, days show `leave`, and two approvals racing for the last day."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import time
from decimal import Decimal

import pytest
import time_machine

from apps.attendance import services
from apps.attendance.models import DailyRecord, LeaveLedgerEntry, LeaveRequest, LeaveType, Shift
from apps.audit.models import OperationLog
from tests.attendance.conftest import at, client_for, get_record, http_json, post_punch, requires_postgres

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 10:00")


@pytest.fixture
def leave_types(org, team, calendar_2026):
    annual = services.leave_type_create(
        organization=org, code="annual", name="Annual leave", yearly_allowance=10
    )
    services.leave_type_create(
        organization=org, code="unpaid", name="Unpaid leave", is_paid=False, allow_negative=True
    )
    services.leave_type_create(
        organization=org,
        code="sick-half",
        name="Sick (half days)",
        unit=LeaveType.Unit.HALF_DAY,
        yearly_allowance=5,
    )
    services.leave_type_create(
        organization=org, code="hours", name="Time off in lieu", unit=LeaveType.Unit.HOUR, yearly_allowance=8
    )
    services.leave_accrue_year(organization=org, year=2026)
    return annual


def ask(client, key="leave-1", **overrides):
    body = {
        "leaveType": "annual",
        "startDate": "2026-04-02",
        "endDate": "2026-04-08",
        "reason": "Trip",
        **overrides,
    }
    with time_machine.travel(NOW, tick=False):
        return client.post("/api/attendance/leave-requests", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def decide(client, request_id, verb, comment=""):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            f"/api/attendance/leave-requests/{request_id}/{verb}", {"comment": comment}, format="json"
        )


def balances(client, member=None):
    response = client.get("/api/attendance/leave-balances", {"member": member} if member else {})
    assert response.status_code == 200, response.json()
    return {b["leaveType"]["code"]: b for b in response.json()}


def test_a_request_counts_working_days_only(leave_types, team):
    response = ask(client_for(team["emma"]))
    assert response.status_code == 201, response.json()
    # Thu 2, Fri 3, (weekend), Mon 6 is Qingming, Tue 7, Wed 8.
    assert (response.json()["workingDays"], response.json()["amount"]) == (4, "4.00")
    balance = balances(client_for(team["emma"]))["annual"]
    assert (balance["balance"], balance["pending"], balance["available"]) == ("10.00", "4.00", "6.00")


def test_approval_writes_usage_and_days_show_leave_and_cancel_restores(leave_types, team):
    emma = client_for(team["emma"])
    request_id = ask(emma).json()["id"]
    approved = decide(client_for(team["approver"]), request_id, "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert balances(emma)["annual"]["balance"] == "6.00"
    assert LeaveLedgerEntry.objects.get(kind="usage").amount == Decimal("-4.00")
    assert get_record(emma, "2026-04-02")["status"] == "leave"
    assert get_record(emma, "2026-04-06")["status"] == "holiday"
    assert get_record(emma, "2026-04-04")["status"] == "off"

    cancelled = decide(emma, request_id, "cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert balances(emma)["annual"]["balance"] == "10.00"
    assert get_record(emma, "2026-04-02")["status"] == "absent"
    again = decide(emma, request_id, "cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "REQUEST_NOT_PENDING"
    assert LeaveLedgerEntry.objects.filter(kind="reversal").count() == 1


def test_overlap_with_pending_or_approved_leave_is_409(leave_types, team):
    emma = client_for(team["emma"])
    ask(emma)
    response = ask(emma, key="leave-2", startDate="2026-04-08", endDate="2026-04-09")
    assert response.status_code == 409 and response.json()["error"]["code"] == "LEAVE_OVERLAP"
    assert LeaveRequest.objects.count() == 1
    # A rejected request does not block the dates.
    decide(client_for(team["approver"]), LeaveRequest.objects.get().pk, "reject", "Busy week")
    assert ask(emma, key="leave-3", startDate="2026-04-08", endDate="2026-04-09").status_code == 201


def test_not_enough_balance_is_409_but_unpaid_leave_may_go_negative(leave_types, team):
    emma = client_for(team["emma"])
    response = ask(emma, startDate="2026-04-01", endDate="2026-04-30")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "INSUFFICIENT_BALANCE"
    assert response.json()["error"]["details"]["balance"] == "10.00"
    assert not LeaveRequest.objects.exists()
    unpaid = ask(emma, key="leave-2", leaveType="unpaid", startDate="2026-04-01", endDate="2026-04-30")
    assert unpaid.status_code == 201
    decide(client_for(team["approver"]), unpaid.json()["id"], "approve")
    assert balances(emma)["unpaid"]["balance"] == "-21.00"  # 22 weekdays less Qingming


def test_half_day_and_hourly_units(leave_types, team):
    emma = client_for(team["emma"])
    half = ask(emma, leaveType="sick-half", startDate="2026-04-02", endDate="2026-04-02", half="am")
    assert half.json()["amount"] == "0.50"
    hours = ask(
        emma, key="leave-2", leaveType="hours", startDate="2026-04-03", endDate="2026-04-03", hours="2.5"
    )
    assert hours.json()["amount"] == "2.50"


# Leave on Thu 2026-04-02 for the 09:00-18:00 shift (60 min break, 10 min grace either end), then punches:
# case id, leave, punches (local time, kind), status, late, early, worked minutes
PART_DAY_CASES = [
    ("am-on-time-at-the-middle", {"half": "am"}, [("13:40", "in"), ("18:00", "out")], "normal", 0, 0, 260),
    ("am-late-after-the-middle", {"half": "am"}, [("13:45", "in"), ("18:00", "out")], "late", 15, 0, 255),
    ("pm-leaves-at-the-middle", {"half": "pm"}, [("09:00", "in"), ("13:30", "out")], "normal", 0, 0, 270),
    (
        "pm-early-before-the-middle",
        {"half": "pm"},
        [("09:00", "in"), ("13:00", "out")],
        "early_leave",
        0,
        30,
        240,
    ),
    ("am-and-no-punch-is-absent", {"half": "am"}, [], "absent", 0, 0, 0),
    ("whole-day-of-a-half-day-type", {}, [], "leave", 0, 0, 0),
    ("hours-excuse-lateness", {"hours": "2.5"}, [("11:35", "in"), ("18:00", "out")], "normal", 0, 0, 325),
    ("hours-then-late", {"hours": "2.5"}, [("11:45", "in"), ("18:00", "out")], "late", 15, 0, 315),
    (
        "hours-split-late-and-early",
        {"hours": "2.5"},
        [("10:00", "in"), ("16:50", "out")],
        "normal",
        0,
        0,
        350,
    ),
    ("hours-not-enough", {"hours": "2.5"}, [("10:00", "in"), ("16:00", "out")], "early_leave", 0, 30, 300),
]


def part_day(team, leave: dict, punches: list, *, punch_first: bool = False) -> tuple:
    """Emma's approved leave on Thu 2026-04-02 and her punches that day (either order): the record's
    status, late, early and worked minutes."""
    emma = client_for(team["emma"])

    def punch():
        for local, kind in punches:
            assert post_punch(emma, at(f"2026-04-02 {local}"), kind).status_code == 201

    if punch_first:
        punch()
    kind = "hours" if "hours" in leave else "sick-half"
    asked = ask(emma, leaveType=kind, startDate="2026-04-02", endDate="2026-04-02", **leave)
    assert asked.status_code == 201, asked.json()
    assert decide(client_for(team["approver"]), asked.json()["id"], "approve").status_code == 200
    if not punch_first:
        punch()
    record = get_record(emma, "2026-04-02")
    return (record["status"], record["lateMinutes"], record["earlyLeaveMinutes"], record["workedMinutes"])


@pytest.mark.parametrize("punch_first", [False, True], ids=["approved-then-punched", "punched-then-approved"])
@pytest.mark.parametrize(
    ("leave", "punches", "expected"),
    [(case[1], case[2], case[3:]) for case in PART_DAY_CASES],
    ids=[case[0] for case in PART_DAY_CASES],
)
def test_part_day_leave_shortens_the_day_it_covers(leave_types, team, punch_first, leave, punches, expected):
    assert part_day(team, leave, punches, punch_first=punch_first) == expected


@pytest.mark.parametrize(
    ("half", "punches", "expected"),
    [
        ("am", [("12:05", "in"), ("18:00", "out")], ("normal", 0, 0, 355)),
        ("am", [("12:20", "in"), ("18:00", "out")], ("late", 20, 0, 340)),
        ("pm", [("09:00", "in"), ("12:00", "out")], ("normal", 0, 0, 180)),
        ("pm", [("09:00", "in"), ("11:30", "out")], ("early_leave", 0, 30, 150)),
    ],
)
def test_a_shift_can_set_where_a_half_day_splits(leave_types, team, day_shift, half, punches, expected):
    Shift.objects.filter(pk=day_shift.pk).update(half_day_at=time(12))
    schedule = client_for(team["emma"]).get(
        "/api/attendance/schedule", {"from": "2026-04-02", "to": "2026-04-02"}
    )
    assert schedule.json()[0]["shift"]["halfDayAt"] == "12:00:00"
    assert part_day(team, {"half": half}, punches) == expected


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"leaveType": "sabbatical"}, "LEAVE_TYPE_UNKNOWN"),
        ({"endDate": "2026-04-01"}, "INVALID_DATE_RANGE"),
        ({"startDate": "2026-04-04", "endDate": "2026-04-06"}, "LEAVE_NO_WORKING_DAYS"),
        ({"half": "am"}, "VALIDATION_ERROR"),
        ({"leaveType": "hours", "startDate": "2026-04-03", "endDate": "2026-04-03"}, "VALIDATION_ERROR"),
        (
            {"leaveType": "hours", "startDate": "2026-04-03", "endDate": "2026-04-03", "hours": "0.2"},
            "VALIDATION_ERROR",
        ),
        ({"hours": "3"}, "VALIDATION_ERROR"),
        ({"startDate": "soon"}, "VALIDATION_ERROR"),
        ({"reason": "x" * 501}, "VALIDATION_ERROR"),
    ],
)
def test_bad_leave_input_is_400_and_writes_nothing(leave_types, team, overrides, code):
    response = ask(client_for(team["emma"]), **overrides)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == code
    assert not LeaveRequest.objects.exists()


def test_a_retry_returns_the_first_request_and_another_payload_is_409(leave_types, team):
    emma = client_for(team["emma"])
    first = ask(emma)
    again = ask(emma)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    other = ask(emma, endDate="2026-04-03")
    assert other.status_code == 409 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert LeaveRequest.objects.count() == 1


def test_approving_twice_is_409_and_charges_once(leave_types, team):
    request_id = ask(client_for(team["emma"])).json()["id"]
    assert decide(client_for(team["approver"]), request_id, "approve").status_code == 200
    again = decide(client_for(team["approver"]), request_id, "approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "REQUEST_NOT_PENDING"
    rejected = decide(client_for(team["approver"]), request_id, "reject", "Changed my mind")
    assert rejected.status_code == 409 and rejected.json()["error"]["code"] == "REQUEST_NOT_PENDING"
    assert LeaveLedgerEntry.objects.filter(kind="usage").count() == 1
    assert LeaveRequest.objects.get().status == "approved"
    assert OperationLog.objects.filter(action="attendance.leave.approve", result="ok").count() == 1


def test_approval_rechecks_the_balance(leave_types, team):
    emma = client_for(team["emma"])
    first = ask(emma, startDate="2026-04-01", endDate="2026-04-10").json()["id"]  # 7 working days
    second = ask(emma, key="leave-2", startDate="2026-04-13", endDate="2026-04-17").json()["id"]  # 5
    assert decide(client_for(team["approver"]), first, "approve").status_code == 200
    response = decide(client_for(team["approver"]), second, "approve")
    assert response.status_code == 409 and response.json()["error"]["code"] == "INSUFFICIENT_BALANCE"
    assert LeaveRequest.objects.get(pk=second).status == "pending"


def test_requester_or_outsider_cannot_approve(leave_types, team):
    request_id = ask(client_for(team["emma"])).json()["id"]
    assert decide(client_for(team["emma"]), request_id, "approve").status_code == 403
    assert decide(client_for(team["olga"]), request_id, "approve").status_code == 404
    assert LeaveRequest.objects.get().status == "pending"
    assert not LeaveLedgerEntry.objects.filter(kind="usage").exists()


def test_accrual_is_idempotent_and_balances_of_others_are_scoped(leave_types, team, org):
    assert services.leave_accrue_year(organization=org, year=2026) == 0
    assert balances(client_for(team["approver"]), "emma")["annual"]["balance"] == "10.00"
    assert (
        client_for(team["emma"]).get("/api/attendance/leave-balances", {"member": "wang"}).status_code == 404
    )
    types = client_for(team["emma"]).get("/api/attendance/leave-types").json()
    assert {t["code"] for t in types} == {"annual", "unpaid", "sick-half", "hours"}


def test_lists_my_requests_and_the_team_inbox(leave_types, team):
    mine = ask(client_for(team["emma"])).json()["id"]
    ask(client_for(team["olga"]))
    assert [
        r["id"] for r in client_for(team["emma"]).get("/api/attendance/leave-requests").json()["results"]
    ] == [mine]
    inbox = client_for(team["approver"]).get(
        "/api/attendance/leave-requests", {"scope": "team", "status": "pending"}
    )
    assert [r["id"] for r in inbox.json()["results"]] == [mine]


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_racing_for_the_last_day_end_with_exactly_one_approved(org, team, live_server, bearer):
    services.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=1)
    services.leave_accrue_year(organization=org, year=2026)
    emma = client_for(team["emma"])
    ids = [
        ask(emma, key="a", startDate="2026-04-02", endDate="2026-04-02").json()["id"],
        ask(emma, key="b", startDate="2026-04-03", endDate="2026-04-03").json()["id"],
    ]
    tokens = {ids[0]: bearer(team["approver"]), ids[1]: bearer(team["admin"])}
    barrier = threading.Barrier(2)

    def approve(request_id):
        barrier.wait()
        return http_json(
            live_server.url,
            "POST",
            f"/api/attendance/leave-requests/{request_id}/approve",
            token=tokens[request_id],
            body={},
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(approve, ids))
    assert sorted(status for status, _ in results) == [200, 409], results
    assert [body["error"]["code"] for status, body in results if status == 409] == ["INSUFFICIENT_BALANCE"]
    assert LeaveRequest.objects.filter(status="approved").count() == 1
    assert LeaveLedgerEntry.objects.filter(kind="usage").count() == 1
    assert balances(emma)["annual"]["balance"] == "0.00"
    assert DailyRecord.objects.filter(status="leave").count() == 1
    refused = OperationLog.objects.get(action="attendance.leave.approve", result="failed")
    assert refused.details == {"code": "INSUFFICIENT_BALANCE"}


def test_the_second_approver_of_a_decided_request_is_answered_409_and_audited(leave_types, team):
    request_id = ask(client_for(team["emma"])).json()["id"]
    assert decide(client_for(team["approver"]), request_id, "approve").status_code == 200

    late = decide(client_for(team["admin"]), request_id, "reject", comment="No")

    assert late.status_code == 409
    assert late.json()["error"]["code"] == "REQUEST_NOT_PENDING"
    assert LeaveRequest.objects.get(pk=request_id).status == "approved"
    entries = OperationLog.objects.filter(action__startswith="attendance.leave.", target_id=str(request_id))
    assert sorted(
        entries.exclude(action="attendance.leave.create").values_list("action", "result", "actor_label")
    ) == [
        ("attendance.leave.approve", "ok", team["approver"].user.username),
        ("attendance.leave.reject", "failed", team["admin"].user.username),
    ]
    assert entries.get(result="failed").details == {"code": "REQUEST_NOT_PENDING"}


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvers_deciding_one_request_at_once_one_wins_and_the_loser_is_audited(
    leave_types, team, live_server, bearer
):
    request_id = ask(client_for(team["emma"])).json()["id"]
    deciders = [("approve", bearer(team["approver"])), ("reject", bearer(team["admin"]))]
    barrier = threading.Barrier(2)

    def decide_now(decider):
        verb, token = decider
        barrier.wait()
        return http_json(
            live_server.url,
            "POST",
            f"/api/attendance/leave-requests/{request_id}/{verb}",
            token=token,
            body={"comment": "at once"},
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(decide_now, deciders))

    assert sorted(status for status, _ in results) == [200, 409], results
    assert [body["error"]["code"] for status, body in results if status == 409] == ["REQUEST_NOT_PENDING"]
    decisions = OperationLog.objects.filter(
        action__in=["attendance.leave.approve", "attendance.leave.reject"], target_id=str(request_id)
    )
    assert sorted(decisions.values_list("result", flat=True)) == ["failed", "ok"]
    winner = LeaveRequest.objects.get(pk=request_id)
    verb_of = {"approved": "approve", "rejected": "reject"}
    assert decisions.get(result="ok").action == f"attendance.leave.{verb_of[winner.status]}"
    assert decisions.get(result="failed").details == {"code": "REQUEST_NOT_PENDING"}


def adjust(client, key="adj-1", **overrides):
    body = {
        "member": "emma",
        "leaveType": "annual",
        "amount": "1.5",
        "note": "Carried over from 2025",
        **overrides,
    }
    return client.post(
        "/api/attendance/leave-balances/adjustments", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_admin_adjusts_a_balance_once_however_often_the_call_is_retried(leave_types, team):
    admin = client_for(team["admin"])
    first = adjust(admin)
    assert first.status_code == 201, first.json()
    assert (first.json()["kind"], first.json()["amount"], first.json()["createdBy"]) == (
        "adjustment",
        "1.50",
        "ada",
    )
    again = adjust(admin)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = adjust(admin, amount="2")
    assert other.status_code == 409 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert balances(client_for(team["emma"]))["annual"]["balance"] == "11.50"
    ledger = client_for(team["emma"]).get("/api/attendance/leave-ledger", {"leaveType": "annual"}).json()
    assert [(e["kind"], e["amount"]) for e in ledger["results"]] == [
        ("accrual", "10.00"),
        ("adjustment", "1.50"),
    ]


@pytest.mark.parametrize(
    ("who", "overrides", "status", "code"),
    [
        ("approver", {}, 403, "FORBIDDEN"),
        ("emma", {}, 403, "FORBIDDEN"),
        ("admin", {"amount": "0"}, 400, "VALIDATION_ERROR"),
        ("admin", {"amount": "lots"}, 400, "VALIDATION_ERROR"),
        ("admin", {"note": ""}, 400, "VALIDATION_ERROR"),
        ("admin", {"member": "nobody"}, 404, "NOT_FOUND"),
        ("admin", {"leaveType": "nope"}, 404, "NOT_FOUND"),
    ],
)
def test_bad_balance_adjustments_are_refused_and_write_nothing(
    leave_types, team, who, overrides, status, code
):
    response = adjust(client_for(team[who]), **overrides)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert not LeaveLedgerEntry.objects.filter(kind="adjustment").exists()


def test_nobody_reads_the_ledger_of_someone_outside_their_scope(leave_types, team):
    assert client_for(team["emma"]).get("/api/attendance/leave-ledger", {"member": "wang"}).status_code == 404
    assert (
        client_for(team["approver"]).get("/api/attendance/leave-ledger", {"member": "wang"}).status_code
        == 200
    )
