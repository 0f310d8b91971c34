"""Team reads for approvers and admins: who is in today (the Team today board) and who is off when (the
team month calendar). Scoped like every attendance read: an approver sees their reports, an admin the whole
organization (narrowed to one team or department); nobody sees another organization's members.

Fixed query counts whatever the team's size: the board is two queries (the members with today's approved
leave as subqueries, then their records of yesterday and today) plus the calendar's three (policy, shift
assignments, holidays); the month is two (members, their leave) plus the calendar's three.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.calendar import DaySchedule, WorkCalendar
from apps.attendance.computation import day_over_at
from apps.attendance.models import DailyRecord, LeaveLedgerEntry, LeaveRequest, Punch, RequestStatus, Shift
from apps.attendance.models.localized import in_viewers_language

# The board's groups, in the order a manager reads them: who needs a look first.
STATES = ("late", "not_in", "absent", "in", "leave", "off")


def team_members(
    *, viewer: Membership, manager: Membership | None = None, department: str = ""
) -> QuerySet[Membership]:
    """The active members of the viewer's team board: an approver's reports; for an admin everyone in the
    organization, or the reports of `manager` and / or the members of `department`. Nobody for others."""
    members = Membership.objects.for_org(viewer.organization).filter(is_active=True)
    if viewer.can(roles.ADMINISTER):
        if manager is not None:
            members = members.filter(manager=manager)
        if department:
            members = members.filter(department=department)
    elif viewer.can(roles.APPROVE):
        members = members.filter(manager=viewer)
    else:
        members = members.none()
    return members.select_related("user").order_by("display_name", "user__username", "id")


def team_managers(*, viewer: Membership) -> list[Membership]:
    """The organization's active members who have active reports (an admin's team filter); one query."""
    return list(
        Membership.objects.for_org(viewer.organization)
        .filter(is_active=True, reports__is_active=True)
        .distinct()
        .select_related("user")
        .order_by("display_name", "user__username", "id")
    )


def team_departments(*, viewer: Membership) -> list[str]:
    """The departments of the organization's active members (an admin's department filter); one query."""
    return list(
        Membership.objects.for_org(viewer.organization)
        .filter(is_active=True)
        .exclude(department="")
        .order_by("department")
        .values_list("department", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class TeamMemberToday:
    member: Membership
    state: str  # one of STATES
    work_date: date  # the day shown: today, or yesterday while a night shift's check-out is still due
    shift: Shift | None
    shift_start: datetime | None
    shift_end: datetime | None
    first_in_at: datetime | None
    last_out_at: datetime | None
    late_minutes: int
    overdue: bool  # not in yet although the shift (and its grace) has begun
    leave_name: str  # approved leave today (a whole day sets the state `leave`; a half day or hours not)
    leave_half: str
    leave_hours: object


@dataclass
class TeamToday:
    today: date
    rows: list[TeamMemberToday]
    groups: dict[str, list[TeamMemberToday]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {state: len(self.groups.get(state, ())) for state in STATES}


def _approved_leave_today(today: date, column: str) -> Subquery:
    # A whole day first (half "" sorts before "am" / "pm"), then the earliest request.
    return Subquery(
        LeaveRequest.objects.filter(
            member=OuterRef("pk"),
            status=RequestStatus.APPROVED,
            start_date__lte=today,
            end_date__gte=today,
        )
        .order_by("half", "hours", "id")
        .values(column)[:1]
    )


def team_today(
    *, viewer: Membership, members: QuerySet[Membership], now: datetime | None = None
) -> TeamToday:
    """Each member's state now: in, late, not yet in, absent (the day over without a punch), on leave
    (approved, the whole day) or not working today (a rest day or holiday). Five queries in all."""
    organization = viewer.organization
    tzinfo = organization.tzinfo
    now = now or timezone.now()
    today = timezone.localdate(now, tzinfo)
    people = list(
        members.annotate(
            leave_name=_approved_leave_today(today, "leave_type__name"),
            leave_name_zh=_approved_leave_today(today, "leave_type__name_zh"),
            leave_half=_approved_leave_today(today, "half"),
            leave_hours=_approved_leave_today(today, "hours"),
        )
    )
    ids = [m.pk for m in people]
    yesterday = today - timedelta(days=1)
    records = {
        (r.member_id, r.work_date): r
        for r in DailyRecord.objects.for_org(organization).filter(
            member_id__in=ids, work_date__range=(yesterday, today)
        )
    }
    calendar = WorkCalendar(organization=organization, member_ids=ids, start=yesterday, end=today)
    rows = [_member_today(m, calendar=calendar, records=records, now=now, today=today) for m in people]
    order = {state: n for n, state in enumerate(STATES)}
    rows.sort(key=lambda row: (order[row.state], row.member.name.casefold()))
    board = TeamToday(today=today, rows=rows)
    for row in rows:
        board.groups.setdefault(row.state, []).append(row)
    return board


def _member_today(member, *, calendar: WorkCalendar, records: dict, now: datetime, today: date):
    tzinfo = calendar.tzinfo
    work_date = calendar.work_date_of(member.pk, now)
    schedule: DaySchedule = calendar.day(member.pk, work_date)
    record = records.get((member.pk, work_date))
    shift = schedule.shift if schedule.is_workday else None
    start, end = shift.bounds(work_date, tzinfo) if shift else (None, None)
    first_in = record.first_in_at if record else None
    last_out = record.last_out_at if record else None
    late = record.late_minutes if record and first_in else 0
    leave_name = (
        in_viewers_language(member.leave_name, member.leave_name_zh or "")
        if work_date == today and member.leave_name
        else None
    )
    whole_day_off = bool(leave_name) and not member.leave_half and member.leave_hours is None
    overdue = False
    if first_in or last_out:
        state = "late" if late else "in"
    elif (record is not None and record.status == DailyRecord.Status.LEAVE) or (
        whole_day_off and schedule.is_workday
    ):
        state = "leave"
    elif not schedule.is_workday:
        state = "off"
    elif now >= day_over_at(schedule, tzinfo):
        state = "absent"
    else:
        state = "not_in"
        overdue = now > start + timedelta(minutes=shift.late_grace_minutes)
    return TeamMemberToday(
        member=member,
        state=state,
        work_date=work_date,
        shift=shift,
        shift_start=start,
        shift_end=end,
        first_in_at=first_in,
        last_out_at=last_out,
        late_minutes=late,
        overdue=overdue,
        leave_name=leave_name or "",
        leave_half=member.leave_half or "" if leave_name else "",
        leave_hours=member.leave_hours if leave_name else None,
    )


# --- who is off when ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCell:
    day: date
    workday: bool
    leave: LeaveRequest | None  # approved before pending when two fall on one day

    @property
    def pending(self) -> bool:
        return self.leave is not None and self.leave.status == RequestStatus.PENDING


@dataclass(frozen=True)
class MonthRow:
    member: Membership
    cells: list[MonthCell]
    leave: list[LeaveRequest]


def team_month(
    *, viewer: Membership, members: QuerySet[Membership], first: date, end: date
) -> list[MonthRow]:
    """One row per member over first..end: on which working days approved or pending leave falls. Five
    queries: the members, their leave, the calendar's three."""
    people = list(members)
    ids = [m.pk for m in people]
    leave_by_member: dict[int, list[LeaveRequest]] = {}
    requests = (
        LeaveRequest.objects.for_org(viewer.organization)
        .filter(
            member_id__in=ids,
            status__in=[RequestStatus.PENDING, RequestStatus.APPROVED],
            start_date__lte=end,
            end_date__gte=first,
        )
        .select_related("leave_type")
        .order_by("start_date", "id")
    )
    for request in requests:
        leave_by_member.setdefault(request.member_id, []).append(request)
    calendar = WorkCalendar(organization=viewer.organization, member_ids=ids, start=first, end=end)
    days = [first + timedelta(days=n) for n in range((end - first).days + 1)]
    rows = []
    for member in people:
        own = leave_by_member.get(member.pk, [])
        ranked = sorted(own, key=lambda r: r.status != RequestStatus.APPROVED)
        cells = []
        for day in days:
            workday = calendar.day(member.pk, day).is_workday
            on = next((r for r in ranked if r.start_date <= day <= r.end_date), None) if workday else None
            cells.append(MonthCell(day=day, workday=workday, leave=on))
        rows.append(MonthRow(member=member, cells=cells, leave=own))
    return rows


# --- what an approver needs next to each request ------------------------------------------------------------


@dataclass
class RequestContext:
    balance_after: object = None  # leave: the balance of its type once approved (None: the type has no limit)
    balance_now: object = None
    overlaps: list = field(default_factory=list)  # leave: teammates' approved leave on those days
    punches: list = field(default_factory=list)  # adjustment: the day's punches


def decision_context(
    *, viewer: Membership, adjustments: list, leave: list
) -> dict[tuple[str, int], RequestContext]:
    """Per inbox row, keyed ("adjustment" | "leave", id): three queries whatever the number of rows (the
    balances of the members and types asked for, the teammates' approved leave over the dates asked for, the
    punches of the days to correct)."""
    organization = viewer.organization
    context: dict[tuple[str, int], RequestContext] = {}
    if leave:
        sums = {
            (row["member_id"], row["leave_type_id"]): row["total"]
            for row in LeaveLedgerEntry.objects.for_org(organization)
            .filter(
                member_id__in={r.member_id for r in leave}, leave_type_id__in={r.leave_type_id for r in leave}
            )
            .values("member_id", "leave_type_id")
            .annotate(total=Sum("amount"))
        }
        managers = {r.member.manager_id for r in leave if r.member.manager_id}
        others = []
        if managers:
            others = list(
                LeaveRequest.objects.for_org(organization)
                .filter(
                    member__manager_id__in=managers,
                    status=RequestStatus.APPROVED,
                    start_date__lte=max(r.end_date for r in leave),
                    end_date__gte=min(r.start_date for r in leave),
                )
                .select_related("member__user", "leave_type")
                .order_by("start_date", "id")
            )
        for request in leave:
            now = sums.get((request.member_id, request.leave_type_id)) or 0
            unlimited = request.leave_type.is_unlimited
            context[("leave", request.pk)] = RequestContext(
                balance_now=None if unlimited else now,
                balance_after=None if unlimited else now - request.amount,
                overlaps=[
                    other
                    for other in others
                    if other.member.manager_id == request.member.manager_id
                    and other.member_id != request.member_id
                    and other.start_date <= request.end_date
                    and other.end_date >= request.start_date
                ],
            )
    if adjustments:
        punches: dict[tuple[int, date], list] = {}
        rows = (
            Punch.objects.for_org(organization)
            .filter(
                member_id__in={r.member_id for r in adjustments},
                work_date__in={r.work_date for r in adjustments},
            )
            .order_by("occurred_at", "id")
        )
        for punch in rows:
            punches.setdefault((punch.member_id, punch.work_date), []).append(punch)
        for request in adjustments:
            context[("adjustment", request.pk)] = RequestContext(
                punches=punches.get((request.member_id, request.work_date), [])
            )
    return context
