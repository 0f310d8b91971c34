"""Notifications: what a person is told (in the app, and by e-mail unless they turned it off).

A notification stores its kind and the facts it is about (`data`), not its words: the text is rendered when it
is shown or mailed, in the recipient's language. `dedupe_key` is unique per recipient, so whatever writes a
notification twice (a retried request, a beat that runs twice) writes it once.
"""

from django.db import models

from apps.access.models import Membership, Organization, OrgScopedQuerySet


class NotificationKind(models.TextChoices):
    REQUEST_SUBMITTED = "request_submitted", "A request to decide"
    REQUEST_DECIDED = "request_decided", "A decision on my request"
    PENDING_DIGEST = "pending_digest", "Daily digest of pending requests"
    MISSED_CHECK_IN = "missed_check_in", "No check-in yet"
    MISSED_CHECK_OUT = "missed_check_out", "No check-out yet"


class Notification(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    dedupe_key = models.CharField(max_length=120)
    data = models.JSONField(default=dict, blank=True)
    # Where the notification leads (a page path), so the list and the e-mail link to it.
    link = models.CharField(max_length=200, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once_per_key")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationPreference(models.Model):
    """A person's choices: the language their notifications are written in, and the kinds they turned off
    (in the app and by e-mail alike) or want in the app only."""

    member = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(max_length=10, blank=True, default="")
    muted = models.JSONField(default=list, blank=True)  # kinds not to notify at all
    no_email = models.JSONField(default=list, blank=True)  # kinds shown in the app but not mailed
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification preferences of {self.member_id}"
