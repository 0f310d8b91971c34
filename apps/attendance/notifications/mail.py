"""Mailing one notification, in its recipient's language, once."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.attendance.models import Notification
from apps.attendance.notifications.text import language_of, words


def notification_email_send(*, notification_id: int) -> bool:
    """Send the notification's e-mail unless it was sent already or its recipient has no address. Safe to
    run again (a redelivered task sends nothing twice once the first run committed). Returns whether sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient__user", "recipient__organization")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        address = notification.recipient.user.email
        if not address or not notification.recipient.is_active:
            return False
        with translation.override(language_of(notification)):
            text = words(notification)
            link = f"{settings.SITE_URL.rstrip('/')}{notification.link}" if notification.link else ""
            body = "\n\n".join(
                part
                for part in (
                    _("Hello %(name)s,") % {"name": notification.recipient.name},
                    text.body,
                    link,
                    _("You can choose which notifications you get on %(url)s.")
                    % {"url": f"{settings.SITE_URL.rstrip('/')}/attendance/notifications/"},
                )
                if part
            )
            subject = f"[TimeLedger] {text.title}"
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
