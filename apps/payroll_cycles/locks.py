"""Attendance's lock hook, answered by payroll: a date inside a locked, closed or archived cycle of the
member's organization is locked for every member of it. One query per question, whatever the number of
members and dates asked about (an import asks once for its whole file)."""

from datetime import date, timedelta

from apps.payroll_cycles.models import PayrollCycle


def frozen_ranges(*, organization_id: int, start: date, end: date) -> list[tuple[date, date]]:
    return list(
        PayrollCycle.objects.filter(
            organization_id=organization_id,
            status__in=PayrollCycle.FROZEN,
            start_date__lte=end,
            end_date__gte=start,
        ).values_list("start_date", "end_date")
    )


def locked_pairs(*, organization_id: int, member_ids, dates) -> set[tuple[int, date]]:
    dates = set(dates)
    if not dates:
        return set()
    ranges = frozen_ranges(organization_id=organization_id, start=min(dates), end=max(dates))
    if not ranges:
        return set()
    frozen = {day for day in dates if any(low <= day <= high for low, high in ranges)}
    return {(member_id, day) for member_id in member_ids for day in frozen}


def any_frozen_between(*, organization_id: int, start: date, end: date) -> bool:
    return bool(frozen_ranges(organization_id=organization_id, start=start, end=end))


def frozen_dates(*, organization_id: int, start: date, end: date) -> set[date]:
    out: set[date] = set()
    for low, high in frozen_ranges(organization_id=organization_id, start=start, end=end):
        day = max(low, start)
        while day <= min(high, end):
            out.add(day)
            day += timedelta(days=1)
    return out


def frozen_cycle_names(*, organization_id: int, dates) -> list[str]:
    """The names of the frozen cycles holding any of `dates`, oldest first (what a refusal tells a person
    to reopen)."""
    dates = sorted(set(dates))
    if not dates:
        return []
    cycles = PayrollCycle.objects.filter(
        organization_id=organization_id,
        status__in=PayrollCycle.FROZEN,
        start_date__lte=dates[-1],
        end_date__gte=dates[0],
    ).order_by("start_date")
    return [
        cycle.display_name
        for cycle in cycles
        if any(cycle.start_date <= day <= cycle.end_date for day in dates)
    ]
