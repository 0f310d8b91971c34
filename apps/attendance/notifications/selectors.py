"""Reading a person's notifications (the front end's bell reads here; it writes nothing)."""

from django.db.models import QuerySet

from apps.access.models import Membership
from apps.attendance.models import Notification


def unread_count(*, member: Membership) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


def notifications_for(*, member: Membership, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=member).select_related("recipient__notification_preference")
    return rows.filter(read_at__isnull=True) if unread_only else rows
