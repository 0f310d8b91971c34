"""The one way a page writes a date or a moment: `{{ value|day }}` ("4 Dec 2026", "2026年12月4日"),
`{{ value|month }}` for a month's title ("December 2026", "2026年12月": YEAR_MONTH_FORMAT) and
`{{ value|moment }}` ("4 Dec 2026 14:05", "2026年12月4日 14:05"; `moment:"seconds"` adds the seconds,
`moment:"precise"` the microseconds and the zone). The formats are config/formats/<language>/formats.py.
Like Django's `date`, a moment is shown in the current time zone unless `|timezone:tz` chose one."""

from datetime import date, datetime

from django import template
from django.utils.formats import date_format, get_format

register = template.Library()

PRECISION = {"": "", "seconds": ":s", "precise": ":s.u T"}


@register.filter(expects_localtime=True)
def day(value: date | datetime | None) -> str:
    if value in (None, ""):
        return ""
    return date_format(value, "DATE_FORMAT")


@register.filter(expects_localtime=True)
def moment(value: datetime | None, precision: str = "") -> str:
    if value in (None, ""):
        return ""
    return date_format(value, get_format("DATETIME_FORMAT") + PRECISION.get(precision, ""))


@register.filter(expects_localtime=True)
def month(value: date | datetime | None) -> str:
    if value in (None, ""):
        return ""
    return date_format(value, "YEAR_MONTH_FORMAT")
