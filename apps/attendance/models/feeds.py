"""Calendar feeds: a secret URL per member and kind that a calendar application subscribes to.

The URL's token is never stored: it is derived (HMAC-SHA256 with the SECRET_KEY) from the feed's id and a
random `salt`, so the owner can be shown their URL again, and only its SHA-256 (`token_hash`) is kept to find
the feed when the URL is fetched. Rotating draws a new salt: the old URL stops working (404).
"""

from django.db import models

from apps.access.models import Membership, Organization, OrgScopedQuerySet


class CalendarFeed(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", "My shifts and approved leave"
        TEAM = "team", "My team's approved leave"
        HOLIDAYS = "holidays", "The organization's holidays"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="calendar_feeds")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    salt = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="calendar_feed_one_per_member_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} feed of {self.member_id}"
