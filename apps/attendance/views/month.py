"""The month shown on the employee page: which month was asked for, and one cell per day of it."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from apps.attendance.models import DailyRecord, LeaveRequest, RequestStatus

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass(frozen=True)
class DayCell:
    day: date
    record: DailyRecord | None  # judged by selectors.records_judge: `verdict` is the status to show
    is_today: bool
    is_future: bool
    leave: LeaveRequest | None = None  # pending or approved leave on a working day

    @property
    def at_work(self) -> bool:
        """Clocked in, not out yet, and the day not over: under way, not "missing a punch"."""
        record = self.record
        return (
            record is not None and not record.judged and bool(record.first_in_at) and not record.last_out_at
        )

    @property
    def leave_pending(self) -> bool:
        return self.leave is not None and self.leave.status == RequestStatus.PENDING


def parse_month(value: str, default: date) -> date:
    """The first day of `YYYY-MM`, or of the default's month when the value is missing or not a month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return default.replace(day=1)
    return first if EARLIEST_YEAR <= first.year <= LATEST_YEAR else default.replace(day=1)


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(first: date) -> date:
    return (first.replace(day=1) - date.resolution).replace(day=1)


def next_month(first: date) -> date:
    return month_end(first) + date.resolution


def month_cells(
    *,
    first: date,
    records: list[DailyRecord],
    today: date,
    leave: list[LeaveRequest] = (),
    workdays: frozenset[date] = frozenset(),
) -> list[DayCell]:
    """One cell per day of the month; `leave` (pending and approved) is drawn on the `workdays` it takes,
    an approved request before a pending one."""
    by_day = {record.work_date: record for record in records}
    leave_by_day: dict[date, LeaveRequest] = {}
    for request in sorted(leave, key=lambda r: r.status != RequestStatus.APPROVED):
        day = max(request.start_date, first)
        while day <= min(request.end_date, month_end(first)):
            if day in workdays:
                leave_by_day.setdefault(day, request)
            day += timedelta(days=1)
    return [
        DayCell(
            day=day,
            record=by_day.get(day),
            is_today=day == today,
            is_future=day > today,
            leave=leave_by_day.get(day),
        )
        for day in (first.replace(day=n) for n in range(1, month_end(first).day + 1))
    ]


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week holding `day` (the calendar's column headings)."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]
