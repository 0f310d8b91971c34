"""Filters of the payroll pages: minutes as hours, and the words for stored codes (made with attendance's
`label_filter`; a day's status is attendance's own `record_status`)."""

from django import template

from apps.attendance.templatetags.attendance_pages import label_filter, record_status
from apps.payroll_cycles import labels

register = template.Library()

register.filter("record_status", record_status)
register.filter("cycle_status", label_filter(labels.CYCLE_STATUS))
register.filter("cycle_badge", label_filter(labels.CYCLE_STATUS_BADGE, unknown="badge"))
register.filter("template_kind", label_filter(labels.TEMPLATE_KIND))
register.filter("transition", label_filter(labels.TRANSITION))
register.filter("missing_side", label_filter(labels.ANOMALY_MISSING, unknown=""))
register.filter("suggestion", label_filter(labels.ANOMALY_SUGGESTION, unknown=""))
register.filter("request_kind", label_filter(labels.REQUEST_KIND, unknown=""))
register.filter("hours", labels.hours)
register.filter("audit_action", labels.audit_action)


@register.filter
def decimal_hours(minutes) -> str:
    """Minutes as hours with two decimals, as the employee page's month writes them (`510` -> `8.50`)."""
    if minutes is None or minutes == "":
        return ""
    return f"{int(minutes) / 60:.2f}"
