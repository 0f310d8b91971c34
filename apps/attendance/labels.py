"""Words the pages show for stored attendance values (statuses, kinds, units): the models' choice labels
are English only (the API speaks codes); pages of any app show these translations. Service errors need no
table here: their messages are translated where they are raised."""

from django.utils.translation import gettext_lazy as _

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
