"""Filters of the payroll pages: minutes as hours, and the words for stored codes."""

from django import template

from apps.attendance import labels as attendance_labels
from apps.payroll_cycles import labels

register = template.Library()


@register.filter
def hours(minutes) -> str:
    return labels.hours(minutes)


@register.filter
def cycle_status(code: str) -> str:
    return str(labels.CYCLE_STATUS.get(code, code))


@register.filter
def cycle_badge(code: str) -> str:
    return labels.CYCLE_STATUS_BADGE.get(code, "badge")


@register.filter
def template_kind(code: str) -> str:
    return str(labels.TEMPLATE_KIND.get(code, code))


@register.filter
def transition(action: str) -> str:
    return str(labels.TRANSITION.get(action, action))


@register.filter
def record_status(code: str) -> str:
    return str(attendance_labels.RECORD_STATUS.get(code, code))


@register.filter
def missing_side(code) -> str:
    return str(labels.ANOMALY_MISSING.get(code or "", ""))


@register.filter
def suggestion(code: str) -> str:
    return str(labels.ANOMALY_SUGGESTION.get(code, ""))


@register.filter
def request_kind(code: str) -> str:
    return str(labels.REQUEST_KIND.get(code, ""))


@register.filter
def audit_action(action: str) -> str:
    return labels.audit_action(action)


@register.filter
def decimal_hours(minutes) -> str:
    """Minutes as hours with two decimals, as the employee page's month writes them (`510` -> `8.50`)."""
    if minutes is None or minutes == "":
        return ""
    return f"{int(minutes) / 60:.2f}"
