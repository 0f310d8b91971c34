"""Where pay periods start and end. Pure date arithmetic, no queries (docs/payroll.md, "Templates").

Monthly: from the start day of a month to the end day of the same month, or of the next one when the end
day is before the start day or `end_month_offset` is 1. A day past a short month's end is that month's last
day (a 31st in February is the 28th or 29th); a period never reaches the next period's start, so "31st to
30th" templates neither overlap nor leave gaps in short months. Semi-monthly: the 1st-15th and the 16th-end.
Weekly and bi-weekly: 7 or 14 days from the template's anchor date, forwards and backwards.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    start: date
    end: date


@dataclass(frozen=True)
class Cut:
    """The fields of a template that decide its periods."""

    kind: str
    start_day: int = 1
    end_day: int = 31
    end_month_offset: int = 0
    anchor_date: date | None = None

    @property
    def ends_next_month(self) -> bool:
        return self.end_day < self.start_day or self.end_month_offset == 1


def clamp(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def monthly(cut: Cut, year: int, month: int) -> Period:
    start = clamp(year, month, cut.start_day)
    next_year, next_month = add_months(year, month, 1)
    next_start = clamp(next_year, next_month, cut.start_day)
    end_year, end_month = (next_year, next_month) if cut.ends_next_month else (year, month)
    end = min(clamp(end_year, end_month, cut.end_day), next_start - timedelta(days=1))
    return Period(start, end)


def _step(cut: Cut) -> int:
    return 7 if cut.kind == "weekly" else 14


def periods_from(
    cut: Cut, *, anchor: date | None = None, year: int | None = None, month: int | None = None, count: int
) -> list[Period]:
    """`count` consecutive periods: from the one containing `anchor`, or the one of `year`-`month`."""
    if cut.kind in ("weekly", "biweekly"):
        step = _step(cut)
        origin = cut.anchor_date or date(2024, 1, 1)
        day = anchor or date(year, month, 1)
        first = origin + timedelta(days=((day - origin).days // step) * step)
        return [
            Period(first + timedelta(days=step * i), first + timedelta(days=step * (i + 1) - 1))
            for i in range(count)
        ]
    if cut.kind == "semi_monthly":
        if anchor is not None:
            year, month, half = anchor.year, anchor.month, 0 if anchor.day <= 15 else 1
        else:
            half = 0
        out = []
        for i in range(half, half + count):
            y, m = add_months(year, month, i // 2)
            out.append(
                Period(date(y, m, 1), date(y, m, 15))
                if i % 2 == 0
                else Period(date(y, m, 16), clamp(y, m, 31))
            )
        return out
    if anchor is not None:
        year, month = anchor.year, anchor.month
        if anchor < clamp(year, month, cut.start_day):
            year, month = add_months(year, month, -1)
    return [monthly(cut, *add_months(year, month, i)) for i in range(count)]
