"""Leave requests: ask over working days, approve (charging the balance), reject, cancel (refunding).

Approval writes the usage entry in the same transaction as the status change, under the member's row lock,
so two approvals racing for the last day end with exactly one approved. Balances: leave_balances.py.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance.calendar import WorkCalendar
from apps.attendance.models import LeaveLedgerEntry, LeaveRequest, LeaveType, RequestStatus
from apps.attendance.services._common import (
    Outcome,
    clean_text,
    fingerprint,
    validate_idempotency_key,
)
from apps.attendance.services.decisions import (
    DecisionRules,
    register_decision_rules,
    request_cancel,
    request_create,
    request_decide,
)
from apps.attendance.services.leave_balances import clean_decimal, ensure_balance
from apps.core.errors import Conflict, ValidationFailed

MAX_LEAVE_DAYS = 366
ACTIVE_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def leave_working_days(*, member: Membership, start: date, end: date) -> list[date]:
    """The dates in start..end that are working days for `member` (a shift, not a holiday)."""
    calendar = WorkCalendar(organization=member.organization, member_ids=[member.pk], start=start, end=end)
    return [day for day in _days(start, end) if calendar.day(member.pk, day).is_workday]


def _amount(
    *, leave_type: LeaveType, start: date, end: date, half: str, hours, working_days: list[date]
) -> Decimal:
    single_day = start == end
    if half and (leave_type.unit != LeaveType.Unit.HALF_DAY or not single_day):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("A half day is only for half-day leave on a single date."),
            {"field": "half"},
        )
    if leave_type.unit == LeaveType.Unit.HOUR:
        if hours is None or not single_day:
            raise ValidationFailed(
                "VALIDATION_ERROR", _("Hourly leave gives hours on a single date."), {"field": "hours"}
            )
        hours = clean_decimal(hours, "hours")
        if not Decimal("0.5") <= hours <= Decimal(24) or hours % Decimal("0.5"):
            raise ValidationFailed(
                "VALIDATION_ERROR", _("hours must be between 0.5 and 24 in steps of 0.5."), {"field": "hours"}
            )
        return hours
    if hours is not None:
        raise ValidationFailed("VALIDATION_ERROR", _("hours is only for hourly leave."), {"field": "hours"})
    if half:
        return Decimal("0.5")
    return Decimal(len(working_days))


def leave_request_create(
    *,
    member: Membership,
    leave_type: LeaveType | str,
    start_date: date,
    end_date: date,
    half: str = "",
    hours: Decimal | None = None,
    reason: str = "",
    idempotency_key: str = "",
    actor: Membership | None = None,
) -> Outcome[LeaveRequest]:
    """Ask for leave over the working days in start..end (shifts and holidays respected).

    400 LEAVE_NO_WORKING_DAYS when the range has none; 409 LEAVE_OVERLAP over another pending or approved
    leave; 409 INSUFFICIENT_BALANCE when the balance does not cover it (unless the type may go negative).
    `actor`: who asks on the member's behalf (payroll's batch resolve), when not the member.
    """
    if isinstance(leave_type, str):
        found = LeaveType.objects.for_org(member.organization).filter(code=leave_type, is_active=True).first()
        if found is None:
            raise ValidationFailed("LEAVE_TYPE_UNKNOWN", _("No such leave type."), {"field": "leaveType"})
        leave_type = found
    if leave_type.organization_id != member.organization_id or not leave_type.is_active:
        raise ValidationFailed("LEAVE_TYPE_UNKNOWN", _("No such leave type."), {"field": "leaveType"})
    if end_date < start_date:
        raise ValidationFailed("INVALID_DATE_RANGE", _("endDate is before startDate."), {"field": "endDate"})
    if (end_date - start_date).days >= MAX_LEAVE_DAYS:
        raise ValidationFailed(
            "INVALID_DATE_RANGE", _("Leave can span at most %(days)s days.") % {"days": MAX_LEAVE_DAYS}
        )
    if half not in LeaveRequest.Half.values:
        raise ValidationFailed("VALIDATION_ERROR", _('half must be "am" or "pm".'), {"field": "half"})
    reason = clean_text(reason, field="reason", max_length=500, required=False)
    key = validate_idempotency_key(idempotency_key)
    working_days = leave_working_days(member=member, start=start_date, end=end_date)
    amount = _amount(
        leave_type=leave_type,
        start=start_date,
        end=end_date,
        half=half,
        hours=hours,
        working_days=working_days,
    )
    request_fingerprint = fingerprint(
        {
            "leaveType": leave_type.code,
            "startDate": start_date,
            "endDate": end_date,
            "half": half,
            "hours": str(amount) if leave_type.unit == LeaveType.Unit.HOUR else None,
            "reason": reason,
        }
    )

    def checks() -> None:
        if not working_days:
            raise ValidationFailed(
                "LEAVE_NO_WORKING_DAYS", _("There is no working day in this range (rest days and holidays).")
            )
        overlapping = LeaveRequest.objects.filter(
            member=member, status__in=ACTIVE_STATUSES, start_date__lte=end_date, end_date__gte=start_date
        ).first()
        if overlapping is not None:
            raise Conflict(
                "LEAVE_OVERLAP",
                _("This overlaps another leave request that is pending or approved."),
                {"id": overlapping.pk, "startDate": overlapping.start_date, "endDate": overlapping.end_date},
            )
        ensure_balance(member=member, leave_type=leave_type, amount=amount)

    return request_create(
        model=LeaveRequest,
        member=member,
        values={
            "leave_type": leave_type,
            "start_date": start_date,
            "end_date": end_date,
            "half": half,
            "hours": amount if leave_type.unit == LeaveType.Unit.HOUR else None,
            "amount": amount,
            "working_days": len(working_days),
            "reason": reason,
        },
        dates=working_days,  # an empty range has no lock to check; checks() refuses it
        idempotency_key=key,
        request_fingerprint=request_fingerprint,
        audit_details={
            "leaveType": leave_type.code,
            "startDate": start_date,
            "endDate": end_date,
            "amount": amount,
        },
        actor=actor,
        checks=checks,
    )


class LeaveRules(DecisionRules):
    """Approving checks the balance again and writes the usage entry; approved leave may be cancelled too,
    and then gets its balance back (a reversal entry)."""

    noun = "leave"
    related = ("member__organization", "leave_type")
    cancellable = ACTIVE_STATUSES
    cancel_records_time = False  # an approved leave keeps when it was approved

    def event_data(self, request: LeaveRequest) -> dict:
        return {
            "requestId": request.pk,
            "leaveType": request.leave_type.code,
            "startDate": request.start_date,
            "endDate": request.end_date,
            "half": request.half,
            "amount": str(request.amount),
        }

    def dates(self, request: LeaveRequest) -> list[date]:
        return _days(request.start_date, request.end_date)

    def on_approve(self, request: LeaveRequest, approver: Membership) -> dict:
        ensure_balance(member=request.member, leave_type=request.leave_type, amount=request.amount)
        self._ledger(request, approver, LeaveLedgerEntry.Kind.USAGE, -request.amount)
        return {"member": request.member_id, "amount": request.amount, "leaveType": request.leave_type.code}

    def on_cancel_approved(self, request: LeaveRequest, actor: Membership) -> None:
        self._ledger(request, actor, LeaveLedgerEntry.Kind.REVERSAL, request.amount)

    @staticmethod
    def _ledger(request: LeaveRequest, by: Membership, kind: str, amount: Decimal) -> None:
        LeaveLedgerEntry.objects.create(
            organization=request.organization,
            member=request.member,
            leave_type=request.leave_type,
            kind=kind,
            amount=amount,
            effective_date=request.start_date,
            leave_request=request,
            created_by=by,
        )


register_decision_rules(LeaveRequest, LeaveRules())


def leave_request_approve(*, request: LeaveRequest, approver: Membership, comment: str = "") -> LeaveRequest:
    """Approve: check the balance again, write the usage entry and mark the days `leave`, atomically."""
    return request_decide(request=request, approver=approver, verb="approve", comment=comment)


def leave_request_reject(*, request: LeaveRequest, approver: Membership, comment: str) -> LeaveRequest:
    """Reject pending leave; the comment (why) is required."""
    return request_decide(request=request, approver=approver, verb="reject", comment=comment)


def leave_request_cancel(*, request: LeaveRequest, actor: Membership) -> LeaveRequest:
    """The requester (or an admin) cancels pending or approved leave; approved leave gets its balance back
    (a reversal entry) and its days recomputed."""
    return request_cancel(request=request, actor=actor)
