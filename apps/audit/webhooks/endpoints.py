"""Administrators' writes: register, change and remove endpoints; replay dead letters. Each is one
transaction with one operation-log entry (the secret never enters the log)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.audit.models import WebhookDelivery, WebhookEndpoint
from apps.audit.services import audit_record
from apps.audit.webhooks.events import EVENT_TYPES
from apps.audit.webhooks.signing import secret_generate
from apps.audit.webhooks.targets import resolve_target
from apps.core import metrics
from apps.core.errors import Conflict, NotFound, ValidationFailed

MAX_ENDPOINTS = 20
Status = WebhookDelivery.Status


def _clean_events(events) -> list[str]:
    events = list(dict.fromkeys(events or []))
    if not events:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("Choose at least one event type."), {"fields": {"events": [_("Required.")]}}
        )
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ValidationFailed(
            "WEBHOOK_EVENT_UNKNOWN",
            _("Unknown event types: %(types)s.") % {"types": ", ".join(map(str, unknown))},
            {"field": "events", "unknown": unknown},
        )
    return sorted(events)


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationFailed("WEBHOOK_URL_INVALID", _("The address is too long."), {"field": "url"})
    resolve_target(url)
    return url


@dataclass
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def webhook_endpoint_create(
    *, actor: Membership, url: str, events: list[str], description: str = "", is_active: bool = True
) -> CreatedEndpoint:
    organization = actor.organization
    url, events = _clean_url(url), _clean_events(events)
    with transaction.atomic():
        count = WebhookEndpoint.objects.for_org(organization).select_for_update().count()
        if count >= MAX_ENDPOINTS:
            raise Conflict(
                "WEBHOOK_LIMIT_REACHED",
                _("An organization can have at most %(count)s webhooks.") % {"count": MAX_ENDPOINTS},
            )
        secret = secret_generate()
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=url,
            events=events,
            description=(description or "").strip()[:200],
            is_active=is_active,
            secret=secret,
            created_by=actor.user,
        )
        audit_record(
            action="audit.webhook.create",
            actor=actor,
            target=endpoint,
            details={"url": url, "events": events, "isActive": is_active},
        )
    return CreatedEndpoint(endpoint, secret)


def webhook_endpoint_get(*, actor: Membership, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_org(actor.organization).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("NOT_FOUND", _("No such webhook."))
    return endpoint


def webhook_endpoint_update(*, actor: Membership, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change url, events, description or is_active (only those given)."""
    if "url" in changes:
        changes["url"] = _clean_url(changes["url"])
    if "events" in changes:
        changes["events"] = _clean_events(changes["events"])
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()[:200]
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        changed = {k: v for k, v in changes.items() if getattr(endpoint, k) != v}
        if not changed:
            return endpoint
        for field, value in changed.items():
            setattr(endpoint, field, value)
        endpoint.save()
        audit_record(
            action="audit.webhook.update", actor=actor, target=endpoint, details={"changed": changed}
        )
    if changed.get("is_active"):
        # Switched back on: what waited for it is sent now (in order), not at the next sweep.
        from apps.audit.tasks import webhooks_sweep

        transaction.on_commit(webhooks_sweep.delay)
    return endpoint


def webhook_endpoint_delete(*, actor: Membership, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        audit_record(
            action="audit.webhook.delete", actor=actor, target=endpoint, details={"url": endpoint.url}
        )
        endpoint.delete()


def webhook_delivery_get(*, actor: Membership, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.for_org(actor.organization)
        .select_related("endpoint", "event")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound("NOT_FOUND", _("No such delivery."))
    return delivery


def _revive(queryset) -> list[int]:
    now = timezone.now()
    ids = list(queryset.filter(status=Status.DEAD).values_list("pk", flat=True))
    for delivery in WebhookDelivery.objects.filter(pk__in=ids):
        delivery.status = Status.PENDING
        delivery.attempts = 0
        delivery.replays += 1
        delivery.next_attempt_at = now
        delivery.save(update_fields=["status", "attempts", "replays", "next_attempt_at"])
    return ids


def webhook_delivery_replay(*, actor: Membership, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a dead letter again (with the same event id); 409 DELIVERY_NOT_DEAD otherwise."""
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if row.status != Status.DEAD:
            raise Conflict(
                "DELIVERY_NOT_DEAD",
                _("Only a dead letter can be replayed; this delivery is %(status)s.")
                % {"status": row.get_status_display()},
                {"status": row.status},
            )
        _revive(WebhookDelivery.objects.filter(pk=row.pk))
        audit_record(
            action="audit.webhook.replay", actor=actor, target=row, details={"event": str(row.event_id)}
        )
        transaction.on_commit(lambda: _send([row.pk]))
    row.refresh_from_db()
    return row


def webhook_dead_letters_replay(*, actor: Membership, endpoint: WebhookEndpoint | None = None) -> int:
    """Replay every dead letter of the organization (or of one endpoint); returns how many."""
    deliveries = WebhookDelivery.objects.for_org(actor.organization)
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    with transaction.atomic():
        ids = _revive(deliveries.select_for_update())
        audit_record(
            action="audit.webhook.replay_all",
            actor=actor,
            organization=actor.organization,
            target=endpoint,
            details={"replayed": len(ids)},
        )
        transaction.on_commit(lambda: _send(ids))
    return len(ids)


def _send(ids: list[int]) -> None:
    from apps.audit.tasks import webhook_deliver

    metrics.webhook_replays.inc(len(ids))
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id=delivery_id)
