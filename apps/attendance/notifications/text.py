"""The words of a notification, written when it is shown or mailed, in the reader's language."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.attendance.models import Notification, NotificationKind

# What each kind of request is called in a sentence ("asked for leave").
REQUEST_NOUNS = {
    "leave": gettext_lazy("leave"),
    "adjustment": gettext_lazy("a correction"),
    "overtime": gettext_lazy("overtime"),
}
KIND_LABELS = {
    NotificationKind.REQUEST_SUBMITTED: gettext_lazy("New requests to decide"),
    NotificationKind.REQUEST_DECIDED: gettext_lazy("Decisions on my requests"),
    NotificationKind.PENDING_DIGEST: gettext_lazy("Daily digest of pending requests"),
    NotificationKind.MISSED_CHECK_IN: gettext_lazy("Reminder: no check-in yet"),
    NotificationKind.MISSED_CHECK_OUT: gettext_lazy("Reminder: no check-out yet"),
}


@dataclass(frozen=True)
class Words:
    title: str
    body: str


def language_of(notification: Notification) -> str:
    preference = getattr(notification.recipient, "notification_preference", None)
    return (preference.language if preference else "") or settings.LANGUAGE_CODE


def _noun(data: dict) -> str:
    return str(REQUEST_NOUNS.get(data.get("noun", ""), data.get("noun", "")))


def _day(iso: str) -> str:
    """A stored YYYY-MM-DD in the reader's date format (config/formats)."""
    try:
        return date_format(date.fromisoformat(iso), "DATE_FORMAT")
    except (TypeError, ValueError):
        return iso


def _dates(data: dict) -> str:
    start, end = _day(data.get("startDate", "")), _day(data.get("endDate", ""))
    return start if not end or end == start else f"{start} \u2013 {end}"


def words(notification: Notification) -> Words:
    """Title and body in the active language (wrap in `translation.override` for someone else's)."""
    data, kind = notification.data, notification.kind
    if kind == NotificationKind.REQUEST_SUBMITTED:
        return Words(
            _("%(member)s asked for %(what)s") % {"member": data.get("member", ""), "what": _noun(data)},
            _("%(member)s asked for %(what)s on %(dates)s. Decide it in your inbox.")
            % {"member": data.get("member", ""), "what": _noun(data), "dates": _dates(data)},
        )
    if kind == NotificationKind.REQUEST_DECIDED:
        status = data.get("status")
        title = {
            "approved": _("Your request for %(what)s was approved"),
            "rejected": _("Your request for %(what)s was rejected"),
        }.get(status, _("Your request for %(what)s was cancelled")) % {"what": _noun(data)}
        body = _("%(by)s decided your request for %(what)s on %(dates)s.") % {
            "by": data.get("by", ""),
            "what": _noun(data),
            "dates": _dates(data),
        }
        if data.get("comment"):
            body += " " + _("Comment: %(comment)s") % {"comment": data["comment"]}
        return Words(title, body)
    if kind == NotificationKind.PENDING_DIGEST:
        count = int(data.get("count", 0))
        return Words(
            translation.ngettext(
                "%(count)s request is waiting for your decision",
                "%(count)s requests are waiting for your decision",
                count,
            )
            % {"count": count},
            _("Open your inbox to decide them."),
        )
    if kind == NotificationKind.MISSED_CHECK_IN:
        return Words(
            _("No check-in yet today"),
            _(
                "Your shift on %(date)s started at %(time)s and there is no check-in. Clock in, or ask for a correction."
            )
            % {"date": _day(data.get("date", "")), "time": data.get("time", "")},
        )
    return Words(
        _("No check-out yet"),
        _(
            "Your shift on %(date)s ended at %(time)s and there is no check-out. Clock out, or ask for a correction."
        )
        % {"date": _day(data.get("date", "")), "time": data.get("time", "")},
    )


def words_for_recipient(notification: Notification) -> Words:
    with translation.override(language_of(notification)):
        return words(notification)
