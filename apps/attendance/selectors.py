"""Attendance reads, scoped to the organization first and to what the viewer may see.

Visibility: an employee sees themself; an approver sees themself and their reports (members whose
manager they are); an admin sees everyone in the organization. Anything else is "not found" (404), never
"forbidden": a caller learns nothing about people outside their scope.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.calendar import DaySchedule, WorkCalendar
from apps.attendance.computation import day_over_at, verdict
from apps.attendance.models import (
    AdjustmentRequest,
    CalendarFeed,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    OvertimeRequest,
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


# Records of days this many days before today (or earlier) are over whatever their shift: a shift is
# shorter than a day and its grace at most 4 hours.
SETTLED_AFTER_DAYS = 2


def _settled_before(organization, now: datetime) -> date:
    return timezone.localdate(now, organization.tzinfo) - timedelta(days=SETTLED_AFTER_DAYS)


def records_judge(
    records: Iterable[DailyRecord],
    *,
    organization,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> list[DailyRecord]:
    """Say of each record whether its day is over (`judged`) and what to show for it: `verdict` (the
    status, or in_progress / upcoming before the day is over, see computation.verdict) and the late and
    early-leave minutes that count (0 before the day is over). Days before the last two are over without
    a query; the others ask the calendar once (three queries, none when `calendar` covers them)."""
    return _judge(records, organization=organization, now=now, calendar=calendar)[0]


def _judge(
    records: Iterable[DailyRecord], *, organization, now: datetime | None, calendar: WorkCalendar | None
) -> tuple[list[DailyRecord], WorkCalendar | None]:
    now = now or timezone.now()
    tzinfo = organization.tzinfo
    today = timezone.localdate(now, tzinfo)
    records = list(records)
    settled = _settled_before(organization, now)
    recent = [r for r in records if r.work_date >= settled]
    over_at: dict[tuple[int, date], datetime] = {}
    if recent:
        member_ids = {r.member_id for r in recent}
        first, last = min(r.work_date for r in recent), max(r.work_date for r in recent)
        if calendar is None or not calendar.covers(member_ids=member_ids, start=first, end=last):
            calendar = WorkCalendar(organization=organization, member_ids=member_ids, start=first, end=last)
        over_at = {
            (r.member_id, r.work_date): day_over_at(calendar.day(r.member_id, r.work_date), tzinfo)
            for r in recent
        }
    for record in records:
        end = over_at.get((record.member_id, record.work_date))
        record.judged = end is None or now >= end
        record.verdict = verdict(
            status=record.status, judged=record.judged, work_date=record.work_date, today=today
        )
        counts = record.verdict == record.status
        record.counted_late_minutes = record.late_minutes if counts else 0
        record.counted_early_leave_minutes = record.early_leave_minutes if counts else 0
    return records, calendar


def records_of(*, organization) -> QuerySet[DailyRecord]:
    """Every record of the organization (the records export narrows it with RecordExportFilter)."""
    return DailyRecord.objects.for_org(organization)


@dataclass(frozen=True)
class RecordsSummary:
    days: int
    by_status: dict[str, int]
    worked_minutes: int
    late_minutes: int
    early_leave_minutes: int
    not_judged_days: int = 0
    # The calendar that judged the last days: it covers any page of the same records (records_judge).
    calendar: WorkCalendar | None = field(default=None, compare=False, repr=False)

    @property
    def records(self) -> int:
        """How many records the whole filtered set holds (judged or not): a paginator's count."""
        return self.days + self.not_judged_days

    @property
    def worked_hours(self) -> Decimal:
        return (Decimal(self.worked_minutes) / 60).quantize(Decimal("0.01"))


def records_summary(
    records: QuerySet[DailyRecord], *, organization, now: datetime | None = None
) -> RecordsSummary:
    """Counts by status and totals over the whole filtered set (not one page) of the days that are over:
    one aggregate query for the settled days, and the last days judged one by one (records_judge)."""
    now = now or timezone.now()
    settled = _settled_before(organization, now)
    rows = (
        records.filter(work_date__lt=settled)
        .order_by()
        .values("status")
        .annotate(
            days=Count("pk"),
            worked=Sum("worked_minutes"),
            late=Sum("late_minutes"),
            early=Sum("early_leave_minutes"),
        )
    )
    recent = (
        records.filter(work_date__gte=settled)
        .select_related(None)
        .only("member_id", "work_date", "status", "worked_minutes", "late_minutes", "early_leave_minutes")
    )
    judged, calendar = _judge(recent, organization=organization, now=now, calendar=None)
    return _summary(rows, judged, calendar=calendar)


def judged_summary(records: list[DailyRecord]) -> RecordsSummary:
    """The summary of records already judged (records_judge), without a query: a month on a page."""
    return _summary([], records)


def _summary(
    rows: Iterable[dict], judged: list[DailyRecord], calendar: WorkCalendar | None = None
) -> RecordsSummary:
    by_status = dict.fromkeys(DailyRecord.Status.values, 0)
    worked = late = early = not_judged = 0
    for row in rows:
        by_status[row["status"]] = row["days"]
        worked += row["worked"] or 0
        late += row["late"] or 0
        early += row["early"] or 0
    for record in judged:
        if not record.judged:
            not_judged += 1
            continue
        by_status[record.status] += 1
        worked += record.worked_minutes
        late += record.late_minutes
        early += record.early_leave_minutes
    return RecordsSummary(
        days=sum(by_status.values()),
        by_status=by_status,
        worked_minutes=worked,
        late_minutes=late,
        early_leave_minutes=early,
        not_judged_days=not_judged,
        calendar=calendar,
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


def overtime_requests_for(
    *, viewer: Membership, scope: str = "mine", status: str | None = None
) -> QuerySet[OvertimeRequest]:
    return _requests(OvertimeRequest, viewer=viewer, scope=scope, status=status).order_by(
        "-created_at", "-id"
    )


def leave_on_calendar(*, member: Membership, start: date, end: date) -> QuerySet[LeaveRequest]:
    """The member's pending and approved leave overlapping start..end (drawn on their calendar)."""
    return (
        LeaveRequest.objects.for_org(member.organization)
        .filter(
            member=member,
            status__in=[RequestStatus.PENDING, RequestStatus.APPROVED],
            start_date__lte=end,
            end_date__gte=start,
        )
        .select_related("leave_type")
        .order_by("start_date", "id")
    )


def pending_team_requests(*, approver: Membership) -> dict[str, QuerySet]:
    """The approver inbox: pending adjustment, leave and overtime requests the approver may decide."""
    return {
        "adjustments": adjustment_requests_for(viewer=approver, scope="team", status=RequestStatus.PENDING),
        "leave": leave_requests_for(viewer=approver, scope="team", status=RequestStatus.PENDING),
        "overtime": overtime_requests_for(viewer=approver, scope="team", status=RequestStatus.PENDING),
    }


def pending_team_count(*, approver: Membership) -> int:
    """How many requests wait for the approver's decision (the navigation's badge): one query."""
    if not approver.can(roles.APPROVE):
        return 0
    pending = {"viewer": approver, "scope": "team", "status": RequestStatus.PENDING}
    adjustments = _requests(AdjustmentRequest, **pending).order_by().values("pk")
    leave = _requests(LeaveRequest, **pending).order_by().values("pk")
    overtime = _requests(OvertimeRequest, **pending).order_by().values("pk")
    return adjustments.union(leave, overtime, all=True).count()


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


def overtime_request_get(*, viewer: Membership, request_id: int) -> OvertimeRequest:
    return _visible_request(OvertimeRequest, viewer=viewer, request_id=request_id)


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


def member_calendar(*, member: Membership, start: date, end: date) -> WorkCalendar:
    """The calendar of one member over start..end (three queries), to ask about many of its days."""
    return WorkCalendar(organization=member.organization, member_ids=[member.pk], start=start, end=end)


def member_schedule(
    *, member: Membership, start: date, end: date, calendar: WorkCalendar | None = None
) -> list[DaySchedule]:
    """The member's day-by-day schedule (shift, holiday, makeup workday) over start..end; three queries."""
    calendar = calendar or member_calendar(member=member, start=start, end=end)
    return [calendar.day(member.pk, start + timedelta(days=n)) for n in range((end - start).days + 1)]


def calendar_feeds_for(*, member: Membership) -> dict[str, CalendarFeed]:
    """The member's calendar feeds by kind (those made so far)."""
    return {
        feed.kind: feed for feed in CalendarFeed.objects.for_org(member.organization).filter(member=member)
    }
