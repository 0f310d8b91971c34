"""The event types and the one way to write an event: `event_emit`, inside the change's transaction.

The app that owns a change writes its event (attendance, imports, payroll; access through
`apps.access.hooks.emit_event`, which audit fills). The event row and one delivery row per subscribed
endpoint are written in the caller's transaction, so there is no event without its change and no change
without its event; the deliveries are queued only after that transaction commits.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access.models import Organization
from apps.audit.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from apps.core import gencache, metrics

# type -> what it means (shown in the Admin Center and the API's event list).
EVENT_TYPES: dict[str, Any] = {
    "punch.created": _("A punch (clock-in or clock-out) was recorded"),
    "adjustment.submitted": _("An adjustment request was submitted"),
    "adjustment.decided": _("An adjustment request was approved, rejected or cancelled"),
    "leave.submitted": _("A leave request was submitted"),
    "leave.decided": _("A leave request was approved, rejected or cancelled"),
    "overtime.submitted": _("An overtime request was submitted"),
    "overtime.decided": _("An overtime request was approved, rejected or cancelled"),
    "import_batch.completed": _("An import batch was committed"),
    "import_batch.rolled_back": _("An import batch was rolled back"),
    "member.created": _("A member was added"),
    "member.updated": _("A member's details or roles were changed"),
    "member.deactivated": _("A member was deactivated"),
    "payroll_cycle.locked": _("A payroll cycle was locked"),
    "payroll_cycle.closed": _("A payroll cycle was closed"),
    "payroll_cycle.reopened": _("A payroll cycle was reopened"),
}


def member_subject(member_id: int) -> str:
    """Events about one member (punches, requests, membership) are delivered in the order they happened."""
    return f"member:{member_id}"


def _endpoints_scope(organization_id) -> str:
    return f"audit:webhooks:{organization_id}"


def _subscriptions(organization: Organization) -> tuple[tuple[int, frozenset[str]], ...]:
    """(id, event types) of the organization's active endpoints, cached (ids and types only, never the
    secret): every event of an organization without webhooks asked the database for them before. Stale
    from the next read on once an endpoint is saved or deleted (the receiver below)."""
    return gencache.remember(
        f"audit:webhooks:{organization.pk}",
        [_endpoints_scope(organization.pk)],
        lambda: tuple(
            (endpoint.pk, frozenset(endpoint.events))
            for endpoint in WebhookEndpoint.objects.for_org(organization)
            .filter(is_active=True)
            .order_by("id")
        ),
    )


@receiver(post_save, sender=WebhookEndpoint, dispatch_uid="webhooks_cache_endpoint_save")
@receiver(post_delete, sender=WebhookEndpoint, dispatch_uid="webhooks_cache_endpoint_delete")
def _endpoints_changed(sender, instance: WebhookEndpoint, **kwargs) -> None:
    gencache.bump(_endpoints_scope(instance.organization_id))


def event_emit(*, organization: Organization, type: str, subject: str, data: dict[str, Any]) -> OutboxEvent:
    """Write one event and its deliveries in the caller's transaction; queue them once it commits."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}: add it to EVENT_TYPES")
    with transaction.atomic(savepoint=False):
        event = OutboxEvent.objects.create(
            organization=organization, type=type, subject=subject, data=data, occurred_at=timezone.now()
        )
        endpoint_ids = [pk for pk, types in _subscriptions(organization) if type in types]
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    organization=organization,
                    endpoint_id=endpoint_id,
                    event=event,
                    subject=subject,
                    sequence=event.pk,
                    next_attempt_at=event.occurred_at,
                )
                for endpoint_id in endpoint_ids
            ]
        )
    metrics.webhook_events.labels(type=type).inc()
    if deliveries:
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _queue(ids))
    return event


def _queue(delivery_ids: list[int]) -> None:
    from apps.audit.tasks import webhook_deliver

    for delivery_id in delivery_ids:
        webhook_deliver.delay(delivery_id=delivery_id)


def payroll_cycle_event_emit(*, cycle, kind: str, data: dict[str, Any] | None = None) -> OutboxEvent:
    """The hook the payroll app calls when a cycle is locked, closed or reopened (kind: "locked",
    "closed", "reopened"), inside the transaction that changes the cycle."""
    if kind not in {"locked", "closed", "reopened"}:
        raise ValueError(f"unknown payroll cycle event {kind!r}")
    return event_emit(
        organization=cycle.organization,
        type=f"payroll_cycle.{kind}",
        subject=f"payroll_cycle:{cycle.pk}",
        data={"cycleId": cycle.pk, **(data or {})},
    )
