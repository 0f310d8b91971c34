"""Words the attendance pages show for stored values (statuses, kinds) and for service errors.

The models' choice labels are English only (the API speaks codes); the pages show these translations.
A service error is shown with the service's own message; in another language, with the translation of
its code when there is one (the message may carry figures the translation leaves out).
"""

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError

RECORD_STATUS = {
    "normal": _("Normal"),
    "late": _("Late"),
    "early_leave": _("Early leave"),
    "late_early": _("Late and early leave"),
    "partial": _("Missing punch"),
    "absent": _("Absent"),
    "off": _("Rest day"),
    "holiday": _("Holiday"),
    "leave": _("On leave"),
    "adjusted": _("Adjusted"),
}

# What a calendar or a list shows for a record (computation.verdict): a day not over yet is in progress
# or upcoming, never late or absent.
RECORD_STATUS_SHOWN = {
    **RECORD_STATUS,
    "in_progress": _("In progress"),
    "upcoming": _("Upcoming"),
}

REQUEST_STATUS = {
    "pending": _("Pending"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "cancelled": _("Cancelled"),
}

ADJUSTMENT_KIND = {
    "missed_check_in": _("Missed check-in"),
    "missed_check_out": _("Missed check-out"),
    "time_correction": _("Time correction"),
}

LEAVE_HALF = {"am": _("Morning"), "pm": _("Afternoon")}

BALANCE_UNIT = {"day": _("days"), "hour": _("hours")}

SERVICE_MESSAGES = {
    "PERIOD_LOCKED": _("This date is in a locked period; attendance for it can no longer change."),
    "OUTSIDE_GEOFENCE": _("You are not at a work site, and this organization only accepts punches on site."),
    "MEMBER_INACTIVE": _("This member is deactivated."),
    "IDEMPOTENCY_KEY_REUSED": _(
        "This form was already sent with other values. Reload the page and try again."
    ),
    "REQUEST_ALREADY_PENDING": _("An adjustment for this day is already waiting for a decision."),
    "REQUEST_NOT_PENDING": _("This request was already decided."),
    "DATE_IN_FUTURE": _("An adjustment can only be asked for a past day or today."),
    "LEAVE_TYPE_UNKNOWN": _("No such leave type."),
    "LEAVE_OVERLAP": _("This overlaps another leave request that is pending or approved."),
    "LEAVE_NO_WORKING_DAYS": _("There is no working day in this range (rest days and holidays)."),
    "INSUFFICIENT_BALANCE": _("Your balance of this leave type does not cover this request."),
    "CANNOT_DECIDE_OWN_REQUEST": _("You cannot decide your own request."),
    "FORBIDDEN": _("You do not have permission to do this."),
    "NOT_FOUND": _("No such request."),
}


def service_message(error: DomainError) -> str:
    if (get_language() or "").startswith(settings.LANGUAGE_CODE) or error.code not in SERVICE_MESSAGES:
        return error.message
    return str(SERVICE_MESSAGES[error.code])
