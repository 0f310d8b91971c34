"""Plausibility warnings on a preview's rows: a row that is valid but looks wrong to a person who knows
the team. They are warnings, not errors: the row can be imported as it is.

- `DATE_IN_FUTURE`: the work date has not come yet (a file of next year, or day and month swapped);
- `DATE_LONG_AGO`: the work date is more than a year back (a wrong year in the file);
- `DAY_TIMES_NIGHT_SHIFT`: the member works a night shift (one that crosses midnight) around that date,
  but the row's times lie wholly in the day, outside the shift (the wrong person, or the wrong file).

One calendar for all the rows (four queries, attendance's WorkCalendar), whatever their number."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.access.models import Organization
from apps.attendance.calendar import WorkCalendar

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
    """Both times on the work date itself and neither inside the night shift's hours."""
    moments = [datetime.fromisoformat(row[key]) for key in ("first_in_at", "last_out_at") if row.get(key)]
    if not moments or any(moment.date() != day for moment in moments):
        return False
    return all(shift.end_time <= moment.time() <= shift.start_time for moment in moments)


def preview_warnings(*, organization: Organization, rows: list[dict]) -> int:
    """Give each valid or duplicate row its `warnings` ([{code, message}], in the active language) and
    return how many rows have at least one."""
    dated = [row for row in rows if row.get("work_date") and row.get("state") != "invalid"]
    for row in rows:
        row["warnings"] = []
    if not dated:
        return 0
    today = timezone.localdate(timezone=organization.tzinfo)
    days = [date.fromisoformat(row["work_date"]) for row in dated]
    member_ids = {row["member_id"] for row in dated if row.get("member_id")}
    calendar = (
        WorkCalendar(organization=organization, member_ids=member_ids, start=min(days), end=max(days))
        if member_ids
        else None
    )
    warned = 0
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
        warned += bool(found)
    return warned
