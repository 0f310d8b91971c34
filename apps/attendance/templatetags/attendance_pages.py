"""Filters of the attendance pages: translated labels for stored codes, and times in the organization's
timezone (a person reads their punches in the time of their organization, not of the server)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.attendance import labels as text

register = template.Library()


def label_filter(labels: dict, *, unknown: str | None = None):
    """A filter that shows a stored code in words: its label in `labels`, else `unknown` (None: the code as
    it is). The pages of every app make their code filters with it (payroll_pages too)."""

    def show(code) -> str:
        return str(labels.get(code, code if unknown is None else unknown))

    return show


record_status = register.filter("record_status", label_filter(text.RECORD_STATUS_SHOWN))
request_status = register.filter("request_status", label_filter(text.REQUEST_STATUS))
adjustment_kind = register.filter("adjustment_kind", label_filter(text.ADJUSTMENT_KIND))
leave_half = register.filter("leave_half", label_filter(text.LEAVE_HALF, unknown=""))
balance_unit = register.filter("balance_unit", label_filter(text.BALANCE_UNIT))


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
