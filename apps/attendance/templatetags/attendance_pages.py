"""Filters of the attendance pages: translated labels for stored codes, and times in the organization's
timezone (a person reads their punches in the time of their organization, not of the server)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

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


@register.filter
def elapsed(seconds) -> str:
    """Seconds as `H:MM:SS` (the running timer's first face; the page script keeps it going)."""
    minutes, secs = divmod(max(int(seconds or 0), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@register.simple_tag
def clock(moment, work_date, tzinfo):
    """`HH:MM` of an aware datetime in the organization's timezone, marked "+1" when it falls on the calendar
    day after `work_date` (a night shift's check-out), "+2" two days after; empty for no value."""
    if not moment:
        return ""
    local = timezone.localtime(moment, tzinfo)
    shown = f"{local:%H:%M}"
    offset = (local.date() - work_date).days if work_date else 0
    if offset <= 0:
        return shown
    words = _("the next day") if offset == 1 else _("%(days)d days later") % {"days": offset}
    return format_html(
        '{}<sup class="next-day" aria-hidden="true" title="{}">+{}</sup><span class="visually-hidden"> ({})</span>',
        shown,
        words,
        offset,
        words,
    )
