"""Attendance reads, scoped to the organization first and to what the viewer may see.

Visibility: an employee sees themself; an approver sees themself and their reports (members whose
manager they are); an admin sees everyone in the organization. Anything else is "not found" (404), never
"forbidden": a caller learns nothing about people outside their scope.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.calendar import DaySchedule, WorkCalendar
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    Punch,
    RequestStatus,
)
from apps.core.errors import NotFound


def visible_members(*, viewer: Membership) -> QuerySet[Membership]:
    members = Membership.objects.for_org(viewer.organization)
    if viewer.can(roles.ADMINISTER):
        return members
    if viewer.can(roles.APPROVE):
        return members.filter(Q(pk=viewer.pk) | Q(manager=viewer))
    return members.filter(pk=viewer.pk)


def member_lookup(*, viewer: Membership, identifier: str) -> Membership:
    """The member named by username or employee number, if the viewer may see them; else 404."""
    identifier = (identifier or "").strip()
    member = (
        visible_members(viewer=viewer)
        .filter(Q(user__username=identifier) | Q(employee_no=identifier))
        .select_related("user", "organization")
        .first()
        if identifier
        else None
    )
    if member is None:
        raise NotFound("NOT_FOUND", _("No such member in your scope."))
    return member


def records_for(
    *, viewer: Membership, start: date, end: date, member: Membership | None = None
) -> QuerySet[DailyRecord]:
    """Records in start..end of `member` (already checked visible) or of everyone the viewer sees."""
    records = DailyRecord.objects.for_org(viewer.organization).filter(work_date__range=(start, end))
    if member is not None:
        records = records.filter(member=member)
    else:
        records = records.filter(member__in=visible_members(viewer=viewer).values("pk"))
    return records.select_related("member__user").order_by("work_date", "member_id")


@dataclass(frozen=True)
class RecordsSummary:
    days: int
    by_status: dict[str, int]
    worked_minutes: int
    late_minutes: int
    early_leave_minutes: int

    @property
    def worked_hours(self) -> Decimal:
        return (Decimal(self.worked_minutes) / 60).quantize(Decimal("0.01"))


def records_summary(records: QuerySet[DailyRecord]) -> RecordsSummary:
    """Counts by status and totals over the whole filtered set (not one page), in one query."""
    rows = (
        records.order_by()
        .values("status")
        .annotate(
            days=Count("pk"),
            worked=Sum("worked_minutes"),
            late=Sum("late_minutes"),
            early=Sum("early_leave_minutes"),
        )
    )
    by_status = dict.fromkeys(DailyRecord.Status.values, 0)
    worked = late = early = 0
    for row in rows:
        by_status[row["status"]] = row["days"]
        worked += row["worked"] or 0
        late += row["late"] or 0
        early += row["early"] or 0
    return RecordsSummary(
        days=sum(by_status.values()),
        by_status=by_status,
        worked_minutes=worked,
        late_minutes=late,
        early_leave_minutes=early,
    )


def punches_for(
    *, viewer: Membership, start: date, end: date, member: Membership | None = None
) -> QuerySet[Punch]:
    punches = Punch.objects.for_org(viewer.organization).filter(work_date__range=(start, end))
    if member is not None:
        punches = punches.filter(member=member)
    else:
        punches = punches.filter(member__in=visible_members(viewer=viewer).values("pk"))
    return punches.select_related("member__user", "site").order_by("occurred_at", "id")


def _requests(model, *, viewer: Membership, scope: str, status: str | None) -> QuerySet:
    requests = model.objects.for_org(viewer.organization)
    if scope == "team":
        if viewer.can(roles.ADMINISTER):
            requests = requests.exclude(member=viewer)
        else:
            requests = requests.filter(member__manager=viewer)
    else:
        requests = requests.filter(member=viewer)
    if status:
        requests = requests.filter(status=status)
    return requests.select_related("member__user", "decided_by__user")


def adjustment_requests_for(
    *, viewer: Membership, scope: str = "mine", status: str | None = None
) -> QuerySet[AdjustmentRequest]:
    """`scope="mine"`: the viewer's own requests; `scope="team"`: the ones the viewer may decide
    (their reports', or everyone else's for an admin). Newest first."""
    return _requests(AdjustmentRequest, viewer=viewer, scope=scope, status=status).order_by(
        "-created_at", "-id"
    )


def leave_requests_for(
    *, viewer: Membership, scope: str = "mine", status: str | None = None
) -> QuerySet[LeaveRequest]:
    return (
        _requests(LeaveRequest, viewer=viewer, scope=scope, status=status)
        .select_related("leave_type")
        .order_by("-created_at", "-id")
    )


def pending_team_requests(*, approver: Membership) -> dict[str, QuerySet]:
    """The approver inbox: pending adjustment and leave requests the approver may decide."""
    return {
        "adjustments": adjustment_requests_for(viewer=approver, scope="team", status=RequestStatus.PENDING),
        "leave": leave_requests_for(viewer=approver, scope="team", status=RequestStatus.PENDING),
    }


def _visible_request(model, *, viewer: Membership, request_id: int):
    request = (
        model.objects.for_org(viewer.organization)
        .filter(pk=request_id, member__in=visible_members(viewer=viewer).values("pk"))
        .select_related("member__organization", "member__user", "decided_by__user")
        .first()
    )
    if request is None:
        raise NotFound("NOT_FOUND", _("No such request."))
    return request


def adjustment_request_get(*, viewer: Membership, request_id: int) -> AdjustmentRequest:
    return _visible_request(AdjustmentRequest, viewer=viewer, request_id=request_id)


def leave_request_get(*, viewer: Membership, request_id: int) -> LeaveRequest:
    return _visible_request(LeaveRequest, viewer=viewer, request_id=request_id)


def leave_types_for(*, viewer: Membership) -> QuerySet[LeaveType]:
    return LeaveType.objects.for_org(viewer.organization).filter(is_active=True).order_by("name")


@dataclass(frozen=True)
class LeaveBalance:
    leave_type: LeaveType
    balance: Decimal
    pending: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance - self.pending


def leave_balances(*, member: Membership) -> list[LeaveBalance]:
    """The member's balance of every active type, with what pending requests would take; two queries."""
    types = list(LeaveType.objects.for_org(member.organization).filter(is_active=True).order_by("name"))
    sums = dict(
        LeaveLedgerEntry.objects.filter(member=member)
        .values("leave_type")
        .annotate(total=Sum("amount"))
        .values_list("leave_type", "total")
    )
    pending = dict(
        LeaveRequest.objects.filter(member=member, status=RequestStatus.PENDING)
        .values("leave_type")
        .annotate(total=Sum("amount"))
        .values_list("leave_type", "total")
    )
    zero = Decimal("0.00")
    return [
        LeaveBalance(leave_type=t, balance=sums.get(t.pk) or zero, pending=pending.get(t.pk) or zero)
        for t in types
    ]


def leave_ledger_for(
    *, member: Membership, leave_type: LeaveType | None = None
) -> QuerySet[LeaveLedgerEntry]:
    """A member's balance movements (of one type, or all), oldest first."""
    entries = LeaveLedgerEntry.objects.for_org(member.organization).filter(member=member)
    if leave_type is not None:
        entries = entries.filter(leave_type=leave_type)
    return entries.select_related("leave_type", "leave_request", "created_by__user").order_by(
        "effective_date", "id"
    )


def leave_type_lookup(*, viewer: Membership, code: str) -> LeaveType:
    leave_type = leave_types_for(viewer=viewer).filter(code=code).first()
    if leave_type is None:
        raise NotFound("NOT_FOUND", _("No such leave type."))
    return leave_type


def member_schedule(*, member: Membership, start: date, end: date) -> list[DaySchedule]:
    """The member's day-by-day schedule (shift, holiday, makeup workday) over start..end; three queries."""
    calendar = WorkCalendar(organization=member.organization, member_ids=[member.pk], start=start, end=end)
    return [calendar.day(member.pk, start + timedelta(days=n)) for n in range((end - start).days + 1)]
