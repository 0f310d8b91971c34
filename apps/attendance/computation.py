"""Turn one member's day (schedule, punches, leave, adjustments) into a daily record's values.

Pure functions, no queries: `records_recompute` loads the inputs in bulk and calls `compute_day` for every
(member, date). The rules are listed in docs/attendance.md ("Status rules"); keep the two in step.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from apps.attendance.calendar import DaySchedule, shift_break_minutes
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveRequest, Punch

Status = DailyRecord.Status


@dataclass(frozen=True)
class DayValues:
    first_in_at: datetime | None
    last_out_at: datetime | None
    worked_minutes: int
    late_minutes: int
    early_leave_minutes: int
    status: str

    FIELDS = ("first_in_at", "last_out_at", "worked_minutes", "late_minutes", "early_leave_minutes", "status")

    def differs_from(self, record: DailyRecord) -> bool:
        return any(getattr(record, field) != getattr(self, field) for field in self.FIELDS)


@dataclass(frozen=True)
class LeaveCover:
    """How much of one working day approved leave takes: all of it, one half ("am" / "pm"), or some
    minutes (hourly leave, not placed at a time of day)."""

    whole: bool = False
    half: str = ""
    minutes: int = 0

    @property
    def any(self) -> bool:
        return self.whole or bool(self.half) or self.minutes > 0

    @classmethod
    def of(cls, leaves: Iterable[LeaveRequest], day: date) -> "LeaveCover":
        """What the approved `leaves` of one member take of `day`."""
        whole, half, minutes = False, "", 0
        for leave in leaves:
            if not leave.start_date <= day <= leave.end_date:
                continue
            if leave.half:
                half = leave.half
            elif leave.hours:
                minutes += int(leave.hours * 60)
            else:
                whole = True
        return cls(whole=whole, half=half, minutes=minutes)


NO_LEAVE = LeaveCover()


def _whole_minutes(seconds: float) -> int:
    return int(seconds // 60)


def compute_day(
    *,
    schedule: DaySchedule,
    tzinfo,
    punches: Sequence[Punch],
    leave: LeaveCover = NO_LEAVE,
    adjustments: Sequence[AdjustmentRequest],
    existing: DailyRecord | None,
) -> DayValues | None:
    """The values of the day's record, or None when an imported record must be kept as it is."""
    imported = existing is not None and existing.source == DailyRecord.Source.IMPORT
    if imported and not punches and not adjustments and not leave.any:
        return None

    ins = [p.occurred_at for p in punches if p.kind == Punch.Kind.IN]
    outs = [p.occurred_at for p in punches if p.kind == Punch.Kind.OUT]
    if imported:
        # An import's times stand for punches we never saw.
        ins += [existing.first_in_at] if existing.first_in_at else []
        outs += [existing.last_out_at] if existing.last_out_at else []
    first_in = min(ins) if ins else None
    last_out = max(outs) if outs else None
    for adjustment in adjustments:  # in the order they were approved: the latest decision wins
        first_in = adjustment.requested_in_at or first_in
        last_out = adjustment.requested_out_at or last_out
    if first_in and last_out and last_out <= first_in:
        last_out = None  # an "out" before the first "in" is not the end of this day's work

    shift = schedule.shift
    worked = late = early = 0
    if first_in and last_out:
        # A half day off splits the day where the break is: the half worked takes none.
        break_minutes = shift_break_minutes(shift) if not leave.half else 0
        worked = max(0, _whole_minutes((last_out - first_in).total_seconds()) - break_minutes)
    if schedule.is_workday and not leave.whole:
        start, end = shift.bounds(schedule.work_date, tzinfo)
        if leave.half == LeaveRequest.Half.AM:
            start = shift.half_day_bound(schedule.work_date, tzinfo)
        elif leave.half == LeaveRequest.Half.PM:
            end = shift.half_day_bound(schedule.work_date, tzinfo)
        late_by = _whole_minutes((first_in - start).total_seconds()) if first_in else 0
        early_by = _whole_minutes((end - last_out).total_seconds()) if last_out else 0
        # Hourly leave excuses lateness first, then leaving early; the grace applies to what is left.
        excused_late = min(max(late_by, 0), leave.minutes)
        excused_early = min(max(early_by, 0), leave.minutes - excused_late)
        late_by, early_by = late_by - excused_late, early_by - excused_early
        late = late_by if late_by > shift.late_grace_minutes else 0
        early = early_by if early_by > shift.early_grace_minutes else 0

    if adjustments:
        status = Status.ADJUSTED
    elif schedule.holiday is not None:
        status = Status.HOLIDAY
    elif shift is None:
        status = Status.OFF
    elif leave.whole:
        status = Status.LEAVE
    elif not first_in and not last_out:
        status = Status.ABSENT
    elif not (first_in and last_out):
        status = Status.PARTIAL
    elif late and early:
        status = Status.LATE_EARLY
    elif late:
        status = Status.LATE
    elif early:
        status = Status.EARLY_LEAVE
    else:
        status = Status.NORMAL
    return DayValues(
        first_in_at=first_in,
        last_out_at=last_out,
        worked_minutes=worked,
        late_minutes=late,
        early_leave_minutes=early,
        status=status,
    )


# --- when a day may be judged ----------------------------------------------------------------------

# Statuses that say how a working day went: never shown before the day is over.
VERDICT_STATUSES = frozenset(
    {Status.NORMAL, Status.LATE, Status.EARLY_LEAVE, Status.LATE_EARLY, Status.PARTIAL, Status.ABSENT}
)
IN_PROGRESS = "in_progress"  # today (or a night shift still running): not over yet
UPCOMING = "upcoming"  # a day that has not come yet


def day_over_at(schedule: DaySchedule, tzinfo) -> datetime:
    """The moment a day is over and its record may be judged: the end of its shift plus the longer of the
    shift's two graces on a working day (the next morning for a night shift); otherwise the end of the
    calendar day in the organization's timezone."""
    shift = schedule.shift
    if shift is not None and schedule.is_workday:
        _, end = shift.bounds(schedule.work_date, tzinfo)
        return end + timedelta(minutes=max(shift.late_grace_minutes, shift.early_grace_minutes))
    return datetime.combine(schedule.work_date + timedelta(days=1), time(), tzinfo=tzinfo)


def verdict(*, status: str, judged: bool, work_date: date, today: date) -> str:
    """The status to show for a record: its own once the day is judged; before that `in_progress` (today
    or earlier) or `upcoming` (a later date) instead of any status that judges the day. Rest days,
    holidays, whole-day leave and approved adjustments are known in advance and shown as they are."""
    if judged or status not in VERDICT_STATUSES:
        return status
    return IN_PROGRESS if work_date <= today else UPCOMING
