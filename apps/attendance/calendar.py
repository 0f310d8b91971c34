"""Which shift a member works on a date, and which work date a punch belongs to.

`WorkCalendar` loads everything it needs for a set of members and a date range in a fixed number of
queries (policy, assignments, holidays), so that recomputing a month for many members does not query per
day. The rules are documented in docs/attendance.md ("Schedules").

The organization's holidays and which members have any shift assignment are cached (apps/core/gencache.py,
scope `attendance:calendar:<org>`, bumped by every save and delete of a holiday or an assignment): a punch
or a month of one member on the default shift reads only the policy. Holidays and assignments must be
written through the ORM's save / delete (no queryset update or bulk create) for that.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.access.models import Organization
from apps.attendance.models import AttendancePolicy, Holiday, Shift, ShiftAssignment, weekday_bit
from apps.core import gencache

# Punches up to this long after a night shift's end still count for the shift's start date.
OVERNIGHT_WINDOW = timedelta(hours=4)


@dataclass(frozen=True)
class DaySchedule:
    work_date: date
    shift: Shift | None  # the shift of the day; None on a rest day
    holiday: Holiday | None  # set when the date is a holiday (kind holiday)
    makeup_workday: bool = False

    @property
    def is_workday(self) -> bool:
        return self.shift is not None and self.holiday is None


def policy_for(organization: Organization) -> AttendancePolicy:
    """The organization's policy (an unsaved default when none was set up)."""
    policy = (
        AttendancePolicy.objects.select_related("default_shift").filter(organization=organization).first()
    )
    return policy or AttendancePolicy(organization=organization)


def _calendar_scope(organization_id) -> str:
    return f"attendance:calendar:{organization_id}"


def _organization_calendar(organization: Organization) -> tuple[tuple[Holiday, ...], frozenset[int]]:
    """(every holiday of the organization, the members with any shift assignment), cached."""
    return gencache.remember(
        f"attendance:calendar:{organization.pk}",
        [_calendar_scope(organization.pk)],
        lambda: (
            tuple(Holiday.objects.for_org(organization).order_by("date")),
            frozenset(
                ShiftAssignment.objects.for_org(organization).values_list("member_id", flat=True).distinct()
            ),
        ),
    )


@receiver(post_save, sender=Holiday, dispatch_uid="calendar_cache_holiday_save")
@receiver(post_delete, sender=Holiday, dispatch_uid="calendar_cache_holiday_delete")
@receiver(post_save, sender=ShiftAssignment, dispatch_uid="calendar_cache_assignment_save")
@receiver(post_delete, sender=ShiftAssignment, dispatch_uid="calendar_cache_assignment_delete")
def _calendar_changed(sender, instance, **kwargs) -> None:
    gencache.bump(_calendar_scope(instance.organization_id))


class WorkCalendar:
    def __init__(self, *, organization: Organization, member_ids: Iterable[int], start: date, end: date):
        self.organization = organization
        self.tzinfo = organization.tzinfo
        self.policy = policy_for(organization)
        default = self.policy.default_shift
        self.default_shift = default if default is not None and default.is_active else None
        # One day either side: a punch's work date looks at the day before, a night shift at the day after.
        self.start, self.end = start - timedelta(days=1), end + timedelta(days=1)
        self.member_ids = frozenset(member_ids)
        self._assignments: dict[int, list[ShiftAssignment]] = defaultdict(list)
        holidays, assigned = _organization_calendar(organization)
        assigned = self.member_ids & assigned
        rows = (
            ShiftAssignment.objects.for_org(organization)
            .filter(member_id__in=list(assigned), shift__is_active=True)
            .filter(Q(start_date__isnull=True) | Q(start_date__lte=self.end))
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start))
            .select_related("shift")
            if assigned
            else ()
        )
        for assignment in rows:
            self._assignments[assignment.member_id].append(assignment)
        for assignments in self._assignments.values():
            assignments.sort(key=lambda a: (a.priority, a.start_date or date.min, a.id), reverse=True)
        self._calendar = {h.date: h for h in holidays if self.start <= h.date <= self.end}

    def holiday_entry(self, day: date) -> Holiday | None:
        """The organization's calendar entry of `day` (a holiday or a makeup workday), if any."""
        return self._calendar.get(day)

    def covers(self, *, member_ids: Iterable[int], start: date, end: date) -> bool:
        """True when this calendar already holds what a question about these members and dates needs."""
        return self.start <= start and end <= self.end and self.member_ids.issuperset(member_ids)

    def usual_shift(self, member_id: int, day: date) -> Shift | None:
        """The shift the member usually works around `day` (the best covering assignment's, else the
        default), whether or not `day` is one of its weekdays: what an imported workday outside the
        schedule is measured against (payroll summaries)."""
        covering = [a for a in self._assignments.get(member_id, ()) if a.covers(day)]
        return covering[0].shift if covering else self.default_shift

    def day(self, member_id: int, day: date) -> DaySchedule:
        covering = [a for a in self._assignments.get(member_id, ()) if a.covers(day)]
        bit = weekday_bit(day)
        if covering:
            chosen = next((a for a in covering if a.weekdays & bit), None)
            shift = chosen.shift if chosen else None
            usual_shift = covering[0].shift
        else:
            usual_shift = self.default_shift
            shift = usual_shift if usual_shift and self.policy.default_weekdays & bit else None
        entry = self._calendar.get(day)
        if entry is not None and entry.kind == Holiday.Kind.MAKEUP_WORKDAY:
            # A makeup workday is worked on the member's usual shift even when the weekday is a rest day.
            return DaySchedule(work_date=day, shift=shift or usual_shift, holiday=None, makeup_workday=True)
        if entry is not None:
            return DaySchedule(work_date=day, shift=shift, holiday=entry)
        return DaySchedule(work_date=day, shift=shift, holiday=None)

    def work_date_of(self, member_id: int, moment: datetime) -> date:
        """The work date a punch at `moment` counts for, in the organization's timezone."""
        local_day = moment.astimezone(self.tzinfo).date()
        previous = self.day(member_id, local_day - timedelta(days=1)).shift
        if previous is None or not previous.crosses_midnight:
            return local_day
        _, previous_end = previous.bounds(local_day - timedelta(days=1), self.tzinfo)
        cutoff = previous_end + OVERNIGHT_WINDOW
        today = self.day(member_id, local_day).shift
        if today is not None:
            # Never reach into the next shift: split the gap between the two shifts.
            today_start, _ = today.bounds(local_day, self.tzinfo)
            if today_start > previous_end:
                cutoff = min(cutoff, previous_end + (today_start - previous_end) / 2)
        return local_day - timedelta(days=1) if moment <= cutoff else local_day


def shift_break_minutes(shift: Shift | None) -> int:
    """The break a day's worked time loses: the break of the day's shift (kept on a holiday), none on a day
    without a shift. One rule for punched days (computation.compute_day) and imported ones (imports)."""
    return shift.break_minutes if shift is not None else 0


class BreakMinutes:
    """`shift_break_minutes` of any member's any date, for an import's every row: one calendar for the
    whole organization (every assignment and holiday, four queries), and a per-date memo for members
    without assignments (most of them work the default shift). `fingerprint` changes when any input does."""

    def __init__(self, *, organization: Organization, member_ids: Iterable[int]):
        self.calendar = WorkCalendar(
            organization=organization, member_ids=member_ids, start=date(2000, 1, 2), end=date(2100, 12, 30)
        )
        self._assigned = frozenset(self.calendar._assignments)
        self._by_date: dict[date, int] = {}
        policy = self.calendar.policy
        default = self.calendar.default_shift
        self.fingerprint = repr(
            (
                (default.pk, default.break_minutes) if default else None,
                policy.default_weekdays,
                sorted(
                    (a.pk, a.member_id, a.shift_id, a.shift.break_minutes, a.weekdays, str(a.start_date),
                     str(a.end_date), a.priority)
                    for assignments in self.calendar._assignments.values()
                    for a in assignments
                ),
                sorted((str(day), h.kind) for day, h in self.calendar._calendar.items()),
            )
        )  # fmt: skip

    def __call__(self, member_id: int, day: date) -> int:
        if member_id in self._assigned:
            return shift_break_minutes(self.calendar.day(member_id, day).shift)
        minutes = self._by_date.get(day)
        if minutes is None:
            minutes = self._by_date[day] = shift_break_minutes(self.calendar.day(member_id, day).shift)
        return minutes
