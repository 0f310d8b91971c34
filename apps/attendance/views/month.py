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


# --- this week's hours, drawn as a small SVG bar chart on the server (no script, nothing inline to style) -----

CHART_WIDTH, CHART_HEIGHT = 280, 120
CHART_LEFT = 26  # the hour labels of the gridlines
BAR_AREA_TOP, BAR_AREA_BOTTOM = 16, 96  # room for the value above a bar and the weekday below


@dataclass(frozen=True)
class WeekBar:
    day: date
    minutes: int
    running: bool  # today while clocked in: the time so far, drawn apart
    is_today: bool
    is_future: bool
    x: int
    y: int
    width: int
    height: int

    @property
    def label_x(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class WeekChart:
    bars: list[WeekBar]
    total_minutes: int
    scale_hours: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    baseline: int = BAR_AREA_BOTTOM

    @property
    def gridlines(self) -> list[tuple[int, int]]:
        """(hours, y) of a line every 4 hours up to the scale."""
        span = BAR_AREA_BOTTOM - BAR_AREA_TOP
        return [
            (hours, BAR_AREA_BOTTOM - round(span * hours / self.scale_hours))
            for hours in range(4, self.scale_hours + 1, 4)
        ]


def week_chart(*, days: list[date], worked: dict[date, int], today: date, running: int = 0) -> WeekChart:
    """Bars of worked minutes per day of the week; today's bar shows `running` minutes while clocked in."""
    minutes = {day: worked.get(day, 0) for day in days}
    if running:
        minutes[today] = max(minutes[today], running)
    scale_hours = max(8, -(-max(minutes.values(), default=0) // 60))
    scale_hours += -scale_hours % 4  # a whole number of 4-hour gridlines
    slot = (CHART_WIDTH - CHART_LEFT) // len(days)
    width = slot * 3 // 5
    span = BAR_AREA_BOTTOM - BAR_AREA_TOP
    bars = []
    for n, day in enumerate(days):
        height = round(span * minutes[day] / (scale_hours * 60))
        bars.append(
            WeekBar(
                day=day,
                minutes=minutes[day],
                running=bool(running) and day == today,
                is_today=day == today,
                is_future=day > today,
                x=CHART_LEFT + n * slot + (slot - width) // 2,
                y=BAR_AREA_BOTTOM - height,
                width=width,
                height=height,
            )
        )
    return WeekChart(bars=bars, total_minutes=sum(minutes.values()), scale_hours=scale_hours)
