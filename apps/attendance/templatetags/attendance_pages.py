"""Filters of the attendance pages: translated labels for stored codes, and times in the organization's
timezone (a person reads their punches in the time of their organization, not of the server)."""

from django import template
from django.utils import timezone

from apps.attendance import labels as text

register = template.Library()


@register.filter
def record_status(code: str) -> str:
    return str(text.RECORD_STATUS_SHOWN.get(code, code))


@register.filter
def request_status(code: str) -> str:
    return str(text.REQUEST_STATUS.get(code, code))


@register.filter
def adjustment_kind(code: str) -> str:
    return str(text.ADJUSTMENT_KIND.get(code, code))


@register.filter
def leave_half(code: str) -> str:
    return str(text.LEAVE_HALF.get(code, ""))


@register.filter
def balance_unit(code: str) -> str:
    return str(text.BALANCE_UNIT.get(code, code))


@register.filter
def local_time(moment, tzinfo) -> str:
    """`HH:MM` of an aware datetime in `tzinfo`; empty for no value."""
    if not moment:
        return ""
    return f"{timezone.localtime(moment, tzinfo):%H:%M}"


@register.filter
def local_date(moment, tzinfo):
    return timezone.localtime(moment, tzinfo).date() if moment else None


@register.filter
def duration(minutes) -> str:
    """Minutes as `H:MM` (450 -> 7:30)."""
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours}:{rest:02d}"
