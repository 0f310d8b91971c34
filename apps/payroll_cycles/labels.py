"""Words the payroll pages show for stored values and service refusals. The models' choice labels are English
only (the API speaks codes); the pages show these translations, never a code."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.errors import DomainError

CYCLE_STATUS = {
    "open": pgettext_lazy("payroll cycle status", "Open"),
    "locked": pgettext_lazy("payroll cycle status", "Locked"),
    "closed": pgettext_lazy("payroll cycle status", "Closed"),
    "archived": pgettext_lazy("payroll cycle status", "Archived"),
}
CYCLE_STATUS_BADGE = {
    "open": "badge-ok",
    "locked": "badge-warn",
    "closed": "badge",
    "archived": "badge-muted",
}

TEMPLATE_KIND = {
    "monthly": _("Monthly"),
    "semi_monthly": _("Twice a month (1st-15th, 16th-end)"),
    "weekly": _("Weekly"),
    "biweekly": _("Every two weeks"),
}

TRANSITION = {
    "lock": _("Locked"),
    "unlock": _("Unlocked"),
    "close": _("Closed"),
    "reopen": _("Reopened"),
    "archive": _("Archived"),
}

ANOMALY_MISSING = {"in": _("No check-in"), "out": _("No check-out"), "both": _("No punch at all")}
ANOMALY_SUGGESTION = {
    "leave": _("Leave request"),
    "missed_check_in": _("Missed check-in request"),
    "missed_check_out": _("Missed check-out request"),
    "time_correction": _("Time correction request"),
}
REQUEST_KIND = {
    "leave": _("Leave request"),
    "missed_check_in": _("Missed check-in request"),
    "missed_check_out": _("Missed check-out request"),
    "time_correction": _("Time correction request"),
    "overtime": _("Overtime request"),
}

# What readiness counts as waiting for a decision (`pending_requests`), by kind.
PENDING_KIND = {"adjustments": _("adjustments"), "leave": _("leave"), "overtime": _("overtime")}
PENDING_OTHER = _("other requests")

# The figures of a summary, as `/changes` names them.
FIGURE = {
    "total_days": _("Days with a record"),
    "worked_minutes": _("Worked"),
    "regular_minutes": _("Regular"),
    "overtime_minutes": _("Overtime"),
    "workday_overtime_minutes": _("Overtime on workdays"),
    "restday_overtime_minutes": _("Overtime on rest days"),
    "holiday_overtime_minutes": _("Overtime on holidays"),
    "weighted_overtime_minutes": _("Weighted overtime"),
    "late_count": _("Times late"),
    "late_minutes": _("Minutes late"),
    "early_leave_count": _("Early leaves"),
    "early_leave_minutes": _("Minutes left early"),
    "absent_days": _("Days absent"),
    "leave_minutes": _("Leave"),
    "open_anomalies": _("Open anomalies"),
    "counts": _("Days by status"),
    "leave_by_type": _("Leave by type"),
}
# Figures in minutes, shown as hours and minutes.
MINUTE_FIGURES = frozenset(key for key in FIGURE if key.endswith("_minutes"))

# What an audit entry behind a change was, in words.
AUDIT_ACTION = {
    "attendance.punch.create": _("Clocked in or out"),
    "attendance.record.recompute": _("Day recomputed"),
    "attendance.adjustment.create": _("Asked for an adjustment"),
    "attendance.adjustment.approve": _("Adjustment approved"),
    "attendance.adjustment.reject": _("Adjustment rejected"),
    "attendance.adjustment.cancel": _("Adjustment cancelled"),
    "attendance.leave.create": _("Asked for leave"),
    "attendance.leave.approve": _("Leave approved"),
    "attendance.leave.reject": _("Leave rejected"),
    "attendance.leave.cancel": _("Leave cancelled"),
    "attendance.leave.balance_adjust": _("Leave balance adjusted"),
    "attendance.overtime.create": _("Asked for overtime"),
    "attendance.overtime.approve": _("Overtime approved"),
    "attendance.overtime.reject": _("Overtime rejected"),
    "attendance.overtime.cancel": _("Overtime cancelled"),
    "attendance.shift_assignment.create": _("Shift assigned"),
    "attendance.shift_assignment.end": _("Shift assignment ended"),
    "attendance.shift_assignment.remove": _("Shift assignment removed"),
}

# Refusals whose service message names API fields or is written for a script: what a page says instead.
REFUSAL = {
    "PAYROLL_TEMPLATE_REQUIRED": _("Choose a template, or mark one template as the default."),
    "IDEMPOTENCY_KEY_REUSED": _(
        "This form was already sent with other values. Reload the page and try again."
    ),
    "IDEMPOTENCY_KEY_INVALID": _("The form was damaged. Reload the page and try again."),
    "INVALID_DATE_RANGE": _("The last day is before the first day, or the period is longer than 62 days."),
    "FORBIDDEN": _("Only an administrator may change payroll cycles."),
}


def hours(minutes) -> str:
    """Minutes as `h:mm` (`480` -> `8:00`, `-90` -> `-1:30`); empty for no value."""
    if minutes is None or minutes == "":
        return ""
    minutes = int(minutes)
    sign = "-" if minutes < 0 else ""
    whole, rest = divmod(abs(minutes), 60)
    return f"{sign}{whole}:{rest:02d}"


def refusal_message(error: DomainError) -> str:
    """A service's refusal in words a person can act on (never its code or an API field name)."""
    return str(REFUSAL.get(error.code, error.message))


def audit_action(action: str) -> str:
    return str(AUDIT_ACTION.get(action, _("Another change to attendance")))
