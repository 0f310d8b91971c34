"""POST /api/attendance/anomalies/resolve: the suggested request per anomaly (or the type asked), create and
approve for admins, a result per item, retries, scope, locked periods and bad input."""

import pytest
import time_machine

from apps.access import roles
from apps.attendance import services as attendance
from apps.attendance.models import AdjustmentRequest, LeaveRequest
from apps.audit.models import OperationLog
from apps.payroll_cycles.models import PayrollWrite
from tests.attendance.conftest import at, client_for
from tests.payroll_cycles.conftest import CYCLES, admin_api, error_code, record

pytestmark = pytest.mark.django_db
URL = "/api/attendance/anomalies/resolve"
NOW = at("2026-03-20 10:00")


def resolve(member, items, key="resolve-1", **extra):
    with time_machine.travel(NOW, tick=False):
        return client_for(member).post(URL, {"items": items, "idempotencyKey": key, **extra}, format="json")


def by_date(response) -> dict:
    assert response.status_code == 200, response.json()
    rows: dict = {}
    for row in response.json()["results"]:
        rows.setdefault(row["date"], row)  # the first item of a day
    return rows


@pytest.fixture
def emma_month(team, org):
    emma = team["emma"]
    record(emma, "2026-03-02")  # normal
    record(emma, "2026-03-03", "partial", end="")  # no check-out
    record(emma, "2026-03-04", "partial", start="")  # no check-in
    record(emma, "2026-03-05", "absent", start="", end="")
    record(emma, "2026-03-06", "late", start="09:30", late=30)
    record(emma, "2026-03-09", "early_leave", end="17:00", early=60)
    attendance.leave_type_create(organization=org, code="annual", name="Annual", yearly_allowance=10)
    attendance.leave_accrue_year(organization=org, year=2026)
    return emma


def test_an_employee_resolves_their_anomalies_with_the_suggested_requests(team, march, emma_month):
    emma = emma_month
    items = [
        {"member": "emma", "date": day}
        for day in ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06", "2026-03-09", "2026-03-10")
    ]
    items.append({"member": emma.pk, "date": "2026-03-05", "leaveType": "annual", "reason": "ill"})
    items.append({"member": "emma", "date": "2026-03-03"})  # listed twice
    response = resolve(emma, items)
    rows = by_date(response)
    body = response.json()
    assert (body["created"], body["approved"], body["skipped"], body["errors"]) == (5, 0, 3, 0)
    assert [r["index"] for r in body["results"]] == list(range(8))
    assert (rows["2026-03-02"]["result"], rows["2026-03-02"]["code"]) == ("skipped", "NOT_AN_ANOMALY")
    assert (rows["2026-03-10"]["result"], rows["2026-03-10"]["code"]) == ("skipped", "NOT_AN_ANOMALY")
    assert body["results"][7]["code"] == "DUPLICATE_ITEM"
    expected = {
        "2026-03-03": ("missed_check_out", None, "18:00"),
        "2026-03-04": ("missed_check_in", "09:00", None),
        "2026-03-06": ("time_correction", "09:00", None),
        "2026-03-09": ("time_correction", None, "18:00"),
    }
    for day, (kind, moment_in, moment_out) in expected.items():
        row = rows[day]
        assert row["result"] == "created", row
        assert (row["requestType"], row["request"]["type"]) == (kind, kind)
        made = AdjustmentRequest.objects.get(pk=row["request"]["id"])
        assert made.member_id == emma.pk and made.status == "pending" and made.kind == kind
        shown = [
            m.astimezone(emma.organization.tzinfo).strftime("%H:%M") if m else None
            for m in (made.requested_in_at, made.requested_out_at)
        ]
        assert shown == [moment_in, moment_out]
    leave = LeaveRequest.objects.get(pk=rows["2026-03-05"]["request"]["id"])
    assert (leave.start_date.isoformat(), leave.leave_type.code, leave.reason) == (
        "2026-03-05",
        "annual",
        "ill",
    )
    listed = admin_api(team).get("/api/attendance/anomalies", {"cycle": march["id"]}).json()["results"]
    assert {r["workDate"]: r["state"] for r in listed} == dict.fromkeys(
        ["2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09"], "pending"
    )
    # A later batch finds those days pending.
    again = by_date(resolve(emma, [{"member": "emma", "date": "2026-03-03"}], key="resolve-2"))
    assert (again["2026-03-03"]["result"], again["2026-03-03"]["code"]) == ("skipped", "REQUEST_PENDING")
    assert again["2026-03-03"]["request"] == rows["2026-03-03"]["request"]


def test_a_retry_with_the_same_key_returns_the_same_answer_and_changes_nothing(team, march, emma_month):
    items = [{"member": "emma", "date": "2026-03-03"}, {"member": "emma", "date": "2026-03-04"}]
    first = resolve(emma_month, items)
    assert first.status_code == 200 and first.json()["created"] == 2
    count = AdjustmentRequest.objects.count()
    again = resolve(emma_month, items)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert AdjustmentRequest.objects.count() == count
    assert OperationLog.objects.filter(action="payroll.anomalies.resolve").count() == 1
    assert OperationLog.objects.filter(action="attendance.adjustment.create").count() == 2
    other = resolve(emma_month, items[:1])
    assert other.status_code == 409 and error_code(other) == "IDEMPOTENCY_KEY_REUSED"
    # The key belongs to the organization: the same key elsewhere is another call.
    assert PayrollWrite.objects.filter(organization=emma_month.organization, key="resolve-1").count() == 1


def test_an_admin_creates_and_approves_in_one_call(team, march, emma_month):
    items = [
        {"member": "emma", "date": "2026-03-03"},
        {"member": "emma", "date": "2026-03-05", "leaveType": "annual"},
        {"member": "emma", "date": "2026-03-06", "requestType": "time_correction",
         "requestedInAt": "2026-03-06T09:02:00+08:00"},
    ]  # fmt: skip
    response = resolve(team["admin"], items, approve=True)
    rows = by_date(response)
    assert response.json()["approved"] == 3 and response.json()["created"] == 0
    assert {r["result"] for r in rows.values()} == {"approved"}
    correction = AdjustmentRequest.objects.get(pk=rows["2026-03-06"]["request"]["id"])
    assert correction.status == "approved" and correction.decided_by_id == team["admin"].pk
    assert correction.requested_in_at == at("2026-03-06 09:02")
    assert LeaveRequest.objects.get(pk=rows["2026-03-05"]["request"]["id"]).status == "approved"
    create = OperationLog.objects.filter(action="attendance.adjustment.create").first()
    assert create.actor_id == team["admin"].user_id  # asked on emma's behalf, by the admin
    listed = admin_api(team).get("/api/attendance/anomalies", {"cycle": march["id"]}).json()["results"]
    assert {r["workDate"] for r in listed} == {"2026-03-04", "2026-03-09"}


def test_an_admin_cannot_approve_their_own_and_that_item_writes_nothing(team, march):
    record(team["admin"], "2026-03-03", "partial", end="")
    rows = by_date(resolve(team["admin"], [{"member": "ada", "date": "2026-03-03"}], approve=True))
    assert (rows["2026-03-03"]["result"], rows["2026-03-03"]["code"]) == (
        "error",
        "CANNOT_DECIDE_OWN_REQUEST",
    )
    assert not AdjustmentRequest.objects.exists()


def test_only_admins_may_approve_while_resolving(team, march, emma_month):
    response = resolve(team["approver"], [{"member": "emma", "date": "2026-03-03"}], approve=True)
    assert response.status_code == 403 and error_code(response) == "FORBIDDEN"
    assert not AdjustmentRequest.objects.exists() and not PayrollWrite.objects.exists()


def test_scope_employees_own_approvers_team_others_are_item_errors_without_a_leak(
    team, march, emma_month, other_org, make_member
):
    outsider = make_member("gus", roles.EMPLOYEE, organization=other_org, employee_no="G-7")
    record(outsider, "2026-03-03", "partial", end="")
    record(team["olga"], "2026-03-03", "partial", end="")
    record(team["wang"], "2026-03-03", "partial", end="")
    items = [
        {"member": "wang", "date": "2026-03-03"},
        {"member": "olga", "date": "2026-03-03"},
        {"member": outsider.pk, "date": "2026-03-03"},
        {"member": "G-7", "date": "2026-03-03"},
    ]
    response = resolve(team["approver"], items)
    results = response.json()["results"]
    assert [(r["result"], r["code"]) for r in results] == [
        ("created", ""),
        ("error", "NOT_FOUND"),
        ("error", "NOT_FOUND"),
        ("error", "NOT_FOUND"),
    ]
    assert "olga" not in str(results[2:]) and "gus" not in response.content.decode()
    assert AdjustmentRequest.objects.get().member_id == team["wang"].pk
    # An employee resolves their own only.
    mine = resolve(team["wang"], [{"member": "emma", "date": "2026-03-03"}], key="wang-1").json()
    assert mine["results"][0]["code"] == "NOT_FOUND"
    assert AdjustmentRequest.objects.count() == 1


def test_a_locked_period_is_a_per_item_period_locked(team, march, emma_month):
    april = admin_api(team).post(
        CYCLES, {"name": "April", "startDate": "2026-04-01", "endDate": "2026-04-30"}, format="json"
    )
    assert april.status_code == 201
    record(emma_month, "2026-04-01", "partial", end="")
    assert admin_api(team).post(f"{CYCLES}/{march['id']}/lock", {}, format="json").status_code == 200
    with time_machine.travel(at("2026-04-02 10:00"), tick=False):
        response = client_for(team["emma"]).post(
            URL,
            {
                "items": [{"member": "emma", "date": "2026-03-03"}, {"member": "emma", "date": "2026-04-01"}],
                "idempotencyKey": "locked-1",
            },
            format="json",
        )
    rows = by_date(response)
    assert (rows["2026-03-03"]["result"], rows["2026-03-03"]["code"]) == ("error", "PERIOD_LOCKED")
    assert rows["2026-04-01"]["result"] == "created"
    assert AdjustmentRequest.objects.get().work_date.isoformat() == "2026-04-01"


def test_bad_items_are_reported_one_by_one(team, march, emma_month):
    items = [
        {"member": "emma", "date": "2026-03-32"},
        {"member": "emma", "date": "2026-03-03", "requestType": "overtime"},
        {"member": "emma", "date": "2026-03-05"},  # leave without a leave type
        {"member": "emma", "date": "2026-03-04", "requestedInAt": "09:00"},
        {"date": "2026-03-06"},
        {"member": "emma", "date": "2026-03-09"},
    ]
    results = resolve(emma_month, items).json()["results"]
    assert [(r["result"], r["code"]) for r in results] == [
        ("error", "VALIDATION_ERROR"),
        ("error", "VALIDATION_ERROR"),
        ("error", "LEAVE_TYPE_UNKNOWN"),
        ("error", "VALIDATION_ERROR"),
        ("error", "NOT_FOUND"),
        ("created", ""),
    ]
    assert AdjustmentRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"items": [{"member": "emma", "date": "2026-03-03"}] * 1001, "idempotencyKey": "big"}, "VALIDATION_ERROR"),
        ({"items": [], "idempotencyKey": "none"}, "VALIDATION_ERROR"),
        ({"items": [{"member": "emma", "date": "2026-03-03"}]}, "IDEMPOTENCY_KEY_REQUIRED"),
        ({"items": "all", "idempotencyKey": "str"}, "VALIDATION_ERROR"),
        ({"items": [["emma", "2026-03-03"]], "idempotencyKey": "list"}, "VALIDATION_ERROR"),
        ({"items": [{"member": "emma", "date": "2026-03-03"}], "idempotencyKey": "bad key"}, "IDEMPOTENCY_KEY_INVALID"),
    ],
    ids=["1001 items", "no items", "no key", "not a list", "not objects", "bad key"],
)  # fmt: skip
def test_a_bad_body_is_400_and_writes_nothing(team, march, emma_month, body, expected):
    with time_machine.travel(NOW, tick=False):
        response = client_for(emma_month).post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert error_code(response) == expected
    assert not AdjustmentRequest.objects.exists() and not PayrollWrite.objects.exists()
    assert not OperationLog.objects.filter(action="payroll.anomalies.resolve").exists()
