"""Background work of the attendance app (Celery). Tasks take plain values and call services."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.attendance.notifications import mail
from apps.attendance.notifications import services as notifications
from apps.attendance.services import leave_accrue_year, records_recompute
from apps.attendance.services.decisions import decidable_models


@shared_task(name="attendance.records_close_yesterday")
def records_close_yesterday() -> dict[str, int]:
    """Give every active member a record for yesterday (in each organization's timezone), so that days
    nobody touched show absent / off / holiday / leave. Runs every few hours from beat; safe to repeat
    (unchanged records are not written). Same as `manage.py attendance_recompute --org <slug>`."""
    written: dict[str, int] = {}
    for organization in Organization.objects.order_by("pk"):
        yesterday = timezone.localdate(timezone.now(), organization.tzinfo) - timedelta(days=1)
        member_ids = list(
            Membership.objects.for_org(organization).filter(is_active=True).values_list("pk", flat=True)
        )
        result = records_recompute(organization=organization, member_ids=member_ids, dates=[yesterday])
        written[organization.slug] = result.created + result.updated
    return written


@shared_task(name="attendance.leave_accrue")
def leave_accrue() -> dict[str, int]:
    """Credit this year's leave allowances in every organization (its own year, in its timezone): on the
    first run of a year everyone's, on other days the joiners'. Daily from beat; running twice credits once.
    Same as `manage.py leave_accrue`."""
    created: dict[str, int] = {}
    for organization in Organization.objects.order_by("pk"):
        year = timezone.localdate(timezone.now(), organization.tzinfo).year
        created[organization.slug] = leave_accrue_year(organization=organization, year=year)
    return created


@shared_task(
    name="notifications.email_send", acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5
)
def notification_email_send(*, notification_id: int) -> bool:
    """Mail one notification (queued once its transaction committed); sends at most once."""
    return mail.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.pending_digest")
def pending_digest() -> dict[str, int]:
    """Hourly from beat; each organization's approvers get one digest a day, after 09:00 in its zone."""
    return {
        organization.slug: notifications.pending_digest_send(
            organization=organization, pending_models=decidable_models()
        )
        for organization in Organization.objects.order_by("pk")
    }


@shared_task(name="notifications.missed_punch_reminders")
def missed_punch_reminders() -> dict[str, int]:
    """Every few minutes from beat: one reminder per member, kind and work date."""
    return {
        organization.slug: notifications.missed_punch_reminders_send(organization=organization)
        for organization in Organization.objects.order_by("pk")
    }
