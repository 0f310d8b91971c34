"""Plausibility warnings on a preview's rows: a row that is valid but looks wrong to a person who knows
the team. They are warnings, not errors: the row can be imported as it is.

- `DATE_IN_FUTURE`: the work date has not come yet (a file of next year, or day and month swapped);
- `DATE_LONG_AGO`: the work date is more than a year back (a wrong year in the file);
- `DAY_TIMES_NIGHT_SHIFT`: the member works a night shift (one that crosses midnight) around that date,
  but the row's times lie wholly in the day, outside the shift (the wrong person, or the wrong file).

`preview_warnings` marks the rows a preview shows (one calendar for all of them, four queries, attendance's
WorkCalendar); `staged_warnings` counts the valid rows with a warning over the whole file, set-based on the
staging table: one count for the dates, and the night-shift check only for the rows of members who have a
night shift at all (none in most organizations: then it costs one query)."""

# The staging table's name comes from our own scheme (imports.staging), never from input.
# ruff: noqa: S608

from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.access.models import Organization
from apps.attendance.calendar import WorkCalendar, policy_for
from apps.attendance.models import ShiftAssignment

LONG_AGO = timedelta(days=366)


def _words(code: str, row: dict, day: date, shift=None) -> str:
    when = date_format(day, "DATE_FORMAT")
    if code == "DATE_IN_FUTURE":
        return _("%(day)s has not come yet: check the year and the order of day and month in the file.") % {
            "day": when
        }
    if code == "DATE_LONG_AGO":
        return _("%(day)s is more than a year ago: check the year in the file.") % {"day": when}
    return _(
        "%(member)s works the night shift %(shift)s, but these times are in the day: check that the row is "
        "theirs."
    ) % {
        "member": row.get("member_name") or row.get("member_id"),
        "shift": f"{shift.start_time:%H:%M}\u2013{shift.end_time:%H:%M}",
    }


def _in_the_day(row: dict, day: date, shift) -> bool:
    moments = [datetime.fromisoformat(row[key]) for key in ("first_in_at", "last_out_at") if row.get(key)]
    return _moments_in_the_day(moments, day, shift)


def _moments_in_the_day(moments: list[datetime], day: date, shift) -> bool:
    """Both times (local) on the work date itself and neither inside the night shift's hours."""
    if not moments or any(moment.date() != day for moment in moments):
        return False
    return all(shift.end_time <= moment.time() <= shift.start_time for moment in moments)


def preview_warnings(*, organization: Organization, rows: list[dict]) -> None:
    """Give each valid or duplicate row shown its `warnings` ([{code, message}], in the active language).
    The count over the whole file is `staged_warnings`'s."""
    dated = [row for row in rows if row.get("work_date") and row.get("state") != "invalid"]
    for row in rows:
        row["warnings"] = []
    if not dated:
        return
    today = timezone.localdate(timezone=organization.tzinfo)
    days = [date.fromisoformat(row["work_date"]) for row in dated]
    member_ids = {row["member_id"] for row in dated if row.get("member_id")}
    calendar = (
        WorkCalendar(organization=organization, member_ids=member_ids, start=min(days), end=max(days))
        if member_ids
        else None
    )
    for row, day in zip(dated, days, strict=True):
        found = []
        if day > today:
            found.append(("DATE_IN_FUTURE", None))
        elif today - day > LONG_AGO:
            found.append(("DATE_LONG_AGO", None))
        shift = calendar.usual_shift(row["member_id"], day) if calendar and row.get("member_id") else None
        if shift is not None and shift.crosses_midnight and _in_the_day(row, day, shift):
            found.append(("DAY_TIMES_NIGHT_SHIFT", shift))
        row["warnings"] = [{"code": code, "message": _words(code, row, day, shift)} for code, shift in found]


MEMBER_CHUNK = 1000


def plausible_span(organization: Organization) -> tuple[date, date]:
    """The first and last work date that draw no date warning today (in the organization's zone)."""
    today = timezone.localdate(timezone=organization.tzinfo)
    return today - LONG_AGO, today


def staged_warnings(
    *, organization: Organization, table: str, span: tuple[date, date], implausible_dates: int
) -> int:
    """How many staged rows (the file's valid rows, all of them) have at least one warning: those dated
    outside `span` (counted by the staging table's action scan, imports.staging.staged_actions) and, within
    it, those with day-time punches for a night worker."""
    return implausible_dates + _night_warnings(
        organization=organization, table=table, start=span[0], end=span[1]
    )


def _night_members(organization: Organization) -> list[int] | None:
    """The members who may work a night shift: None for everyone (the default shift is one)."""
    default = policy_for(organization).default_shift
    if default is not None and default.is_active and default.crosses_midnight:
        return None
    return list(
        ShiftAssignment.objects.for_org(organization)
        .filter(shift__is_active=True, shift__end_time__lte=F("shift__start_time"))
        .values_list("member_id", flat=True)
        .distinct()
    )


def _night_warnings(*, organization: Organization, table: str, start: date, end: date) -> int:
    """Rows dated within the plausible range (the others are counted already) whose times lie in the day
    while their member works nights."""
    members = _night_members(organization)
    if members == []:
        return 0
    query = (
        f"SELECT member_id, work_date, first_in_at, last_out_at FROM {table} WHERE work_date BETWEEN %s AND %s "
        "AND (first_in_at IS NOT NULL OR last_out_at IS NOT NULL)"
    )
    chunks = (
        [None]
        if members is None
        else [members[i : i + MEMBER_CHUNK] for i in range(0, len(members), MEMBER_CHUNK)]
    )
    rows = []
    with connection.cursor() as cursor:
        for chunk in chunks:
            if chunk is None:
                cursor.execute(query, [start, end])
            else:
                cursor.execute(
                    f"{query} AND member_id IN ({', '.join(['%s'] * len(chunk))})", [start, end, *chunk]
                )
            rows.extend(cursor.fetchall())
    if not rows:
        return 0
    tz = organization.tzinfo
    found = [
        (member_id, _as_date(day), [_local(v, tz) for v in (first, last) if v])
        for member_id, day, first, last in rows
    ]
    calendar = WorkCalendar(
        organization=organization,
        member_ids={member_id for member_id, _day, _moments in found},
        start=min(day for _member, day, _moments in found),
        end=max(day for _member, day, _moments in found),
    )
    warned = 0
    for member_id, day, moments in found:
        shift = calendar.usual_shift(member_id, day)
        warned += shift is not None and shift.crosses_midnight and _moments_in_the_day(moments, day, shift)
    return warned


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _local(value, tz) -> datetime:
    """A staged time (aware on PostgreSQL; naive UTC or UTC text on SQLite) in the organization's zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value[:19])
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)
