"""Attendance data past the organization's retention goes with `manage.py audit_retention`."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.access import roles
from apps.attendance.hooks import register_lock_checker, unregister_lock_checker
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    OvertimeRequest,
    Punch,
)
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db

RETENTION_DAYS = 365
TABLES = (Punch, DailyRecord, AdjustmentRequest, OvertimeRequest, LeaveRequest, LeaveLedgerEntry)


def _attendance(member, day, *, status="approved"):
    org = member.organization
    at = datetime.combine(day, time(9), tzinfo=org.tzinfo)
    Punch.objects.create(
        organization=org, member=member, occurred_at=at, work_date=day, kind="in", source="web"
    )
    DailyRecord.objects.create(
        organization=org, member=member, work_date=day, worked_minutes=480, status="normal"
    )
    AdjustmentRequest.objects.create(
        organization=org,
        member=member,
        work_date=day,
        kind="missed_check_in",
        requested_in_at=at,
        reason="forgot",
        status=status,
    )
    OvertimeRequest.objects.create(
        organization=org, member=member, work_date=day, minutes=60, reason="release", status=status
    )
    leave_type, _ = LeaveType.objects.get_or_create(
        organization=org, code="annual", defaults={"name": "Annual"}
    )
    request = LeaveRequest.objects.create(
        organization=org,
        member=member,
        leave_type=leave_type,
        start_date=day,
        end_date=day,
        amount=Decimal("1.00"),
        working_days=1,
        status=status,
    )
    LeaveLedgerEntry.objects.create(
        organization=org,
        member=member,
        leave_type=leave_type,
        kind="usage",
        amount=Decimal("-1.00"),
        effective_date=day,
        leave_request=request,
    )


@pytest.fixture
def history(org, other_org, make_member):
    """Per organization: one day of everything past retention and one within it, plus an old pending
    request pair that must wait for a decision."""
    org.settings = {"retention": {"attendanceDays": RETENTION_DAYS}}
    org.save(update_fields=["settings"])
    today = timezone.localdate(timezone=org.tzinfo)
    old, recent = today - timedelta(days=RETENTION_DAYS + 30), today - timedelta(days=10)
    member = make_member("emma", roles.EMPLOYEE)
    _attendance(member, old)
    _attendance(member, recent)
    pending_day = old - timedelta(days=1)
    AdjustmentRequest.objects.create(
        organization=org,
        member=member,
        work_date=pending_day,
        kind="missed_check_in",
        reason="waiting",
    )
    other = make_member("otto", organization=other_org)
    other_org.settings = {"retention": {"attendanceDays": RETENTION_DAYS}}
    other_org.save(update_fields=["settings"])
    _attendance(other, old)
    return {"member": member, "other": other, "old": old, "recent": recent}


def _counts(organization):
    return {model.__name__: model.objects.filter(organization=organization).count() for model in TABLES}


def _retention(*args) -> str:
    out = StringIO()
    call_command("audit_retention", "--org", "acme", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_what_would_go_and_deletes_nothing(org, history):
    before = _counts(org)

    output = _retention("--dry-run")

    # One old row in each of the six tables; the pending request stays.
    assert "attendance 6" in output
    assert _counts(org) == before


def test_run_deletes_only_rows_older_than_the_retention_and_audits_the_counts(org, other_org, history):
    other_before = _counts(other_org)

    output = _retention("--batch-size", "1")

    assert "attendance 6" in output
    assert _counts(org) == {
        "Punch": 1,
        "DailyRecord": 1,
        "AdjustmentRequest": 2,
        "OvertimeRequest": 1,
        "LeaveRequest": 1,
        "LeaveLedgerEntry": 2,  # the recent usage and the carry-forward of the old one
    }
    assert not Punch.objects.filter(organization=org, work_date__lt=history["recent"]).exists()
    assert AdjustmentRequest.objects.get(organization=org, work_date__lt=history["old"]).status == "pending"
    assert _counts(other_org) == other_before
    entry = OperationLog.objects.get(organization=org, action="attendance.data.purge")
    assert entry.details["counts"] == {
        "punches": 1,
        "daily_records": 1,
        "adjustment_requests": 1,
        "overtime_requests": 1,
        "leave_ledger_entries": 1,
        "leave_requests": 1,
    }


def test_a_second_run_deletes_nothing_more_and_records_no_purge(org, history):
    _retention()
    after_first = _counts(org)

    output = _retention()

    assert "attendance 0" in output
    assert _counts(org) == after_first
    assert OperationLog.objects.filter(organization=org, action="attendance.data.purge").count() == 1


@pytest.fixture
def everything_locked():
    def locked(*, organization_id, member_ids, dates):
        return {(m, day) for m in member_ids for day in dates}

    register_lock_checker(locked)
    yield
    unregister_lock_checker(locked)


def test_locked_payroll_periods_past_retention_are_deleted_too(org, history, everything_locked):
    _retention()

    assert not Punch.objects.filter(organization=org, work_date=history["old"]).exists()
    assert Punch.objects.filter(organization=org, work_date=history["recent"]).exists()


def _balance(member) -> Decimal:
    return sum(LeaveLedgerEntry.objects.filter(member=member).values_list("amount", flat=True), Decimal(0))


def test_balances_do_not_move_when_old_ledger_entries_go(org, history):
    member = history["member"]
    leave_type = LeaveType.objects.get(organization=org, code="annual")
    for day, amount in ((history["old"], "10.00"), (history["old"] - timedelta(days=400), "5.00")):
        LeaveLedgerEntry.objects.create(
            organization=org,
            member=member,
            leave_type=leave_type,
            kind="accrual",
            amount=Decimal(amount),
            effective_date=day,
        )
    before = _balance(member)

    _retention("--batch-size", "1")  # several batches fold into the one carry-forward entry
    _retention()  # and a retry changes nothing

    assert _balance(member) == before == Decimal("13.00")
    carried = LeaveLedgerEntry.objects.get(member=member, kind="carry_forward")
    assert carried.amount == Decimal("14.00")  # 10 + 5 - 1 from the old entries
    assert not LeaveLedgerEntry.objects.filter(
        member=member, effective_date__lt=carried.effective_date
    ).exists()
