import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.access.models import Organization, OrgScopedQuerySet

GLOBAL_CHAIN = "global"


def chain_key(organization_id: int | None) -> str:
    """The hash chain an entry belongs to: one per organization, one for entries without one."""
    return f"org:{organization_id}" if organization_id else GLOBAL_CHAIN


class OperationLog(models.Model):
    """Who did what, to what, from where, with what result. Written only by services.audit_record.

    Entries form one hash chain per organization (`chain`, `sequence`, `prev_hash`, `entry_hash`; see
    apps/audit/chain.py), so that an edited or deleted row is found by `manage.py audit_verify`. The writer
    stores `content_hash` (its content, organization and actor included); the sealer gives it its place in
    the chain later (`sequence` stays NULL until then).
    """

    class Result(models.TextChoices):
        OK = "ok"
        DENIED = "denied"
        FAILED = "failed"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="operation_logs"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.OK)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(db_index=True)
    # The chain key is fixed at write time ("org:<id>" or "global"): the organization column may be nulled
    # when an organization is deleted, the chain an entry was hashed into may not.
    chain = models.CharField(max_length=32, default=GLOBAL_CHAIN)
    # The actor's user id as written; `actor` is nulled when the user row is deleted, this never changes.
    actor_ref = models.PositiveBigIntegerField(null=True, blank=True)
    # 1: entries chained before the content hash existed (organization and actor not covered); 2: now.
    hash_version = models.PositiveSmallIntegerField(default=2)
    content_hash = models.CharField(max_length=64, blank=True, default="")
    # NULL until the sealer gives the entry its place in the chain.
    sequence = models.PositiveBigIntegerField(null=True, blank=True, default=None)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    entry_hash = models.CharField(max_length=64, blank=True, default="")

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="oplog_org_time"),
            models.Index(fields=["organization", "action"], name="oplog_org_action"),
            models.Index(fields=["organization", "-sequence"], name="oplog_org_sequence"),
            # The sealer's queue: small (seconds of writes), so a partial index keeps it cheap to find.
            models.Index(
                fields=["chain", "id"], condition=models.Q(sequence__isnull=True), name="oplog_unsealed"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="oplog_unique_chain_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action} {self.result}"


class AuditChainHead(models.Model):
    """The tip of one hash chain, locked (SELECT ... FOR UPDATE) by the sealer while it seals a batch, so
    that two entries never get the same sequence. The anchor is where verification starts after retention removed
    the oldest entries: the sequence and hash of the last entry removed."""

    chain = models.CharField(max_length=32, unique=True)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True, default="")
    anchor_sequence = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.chain} @ {self.last_sequence}"


# --- Webhooks: the transactional outbox and its deliveries (docs/integrations.md) -------------------


class WebhookEndpoint(models.Model):
    """A URL an administrator registered to receive some event types, signed with `secret`.

    The secret is kept (it signs every delivery) but shown only once, in the answer that created it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True, default="")
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.events


class OutboxEvent(models.Model):
    """One thing that happened, written in the transaction of the change itself.

    `event_id` is the stable id receivers deduplicate on; the primary key orders events. `subject`
    ("member:12") orders deliveries: per endpoint and subject, an event is sent only after every earlier one
    was delivered or dead-lettered."""

    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=60)
    subject = models.CharField(max_length=80)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField()

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organization", "occurred_at"], name="outbox_org_time")]

    def __str__(self) -> str:
        return f"{self.type} {self.subject}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: attempts, the last response, and the state of the retry schedule."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SUCCEEDED = "succeeded", "Delivered"
        DEAD = "dead", "Dead letter"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    # Copied from the event (its subject and id) so "is an earlier one unfinished?" is one index range.
    subject = models.CharField(max_length=80)
    sequence = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True, default="")
    last_error = models.CharField(max_length=300, blank=True, default="")
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["endpoint", "subject", "sequence"], name="whdelivery_order"),
            models.Index(fields=["status", "next_attempt_at"], name="whdelivery_due"),
            models.Index(fields=["endpoint", "status"], name="whdelivery_endpoint_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="whdelivery_once_per_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"
