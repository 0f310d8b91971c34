"""Sending deliveries: claim one, POST the signed envelope, record the outcome, schedule the next.

At least once: a delivery is claimed with a lease; a worker that dies mid-attempt leaves it to the sweep
once the lease ends, so it may be sent twice, always with the same event id. In order per subject: a
delivery waits while an earlier one of the same endpoint and subject is unfinished (pending or sending);
when one finishes (delivered or dead) the next of its subject is queued.

Retried: timeouts, connection errors, 408, 429 and 5xx, after about base * 2^(attempt-1) seconds (capped)
times a random factor in [0.5, 1]; other answers (a 4xx, a redirect) and refused targets are final. After
WEBHOOK_MAX_ATTEMPTS a delivery is a dead letter until an administrator replays it.
"""

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.models import WebhookDelivery
from apps.audit.webhooks.signing import SIGNATURE_HEADER, signature
from apps.audit.webhooks.targets import resolve_target
from apps.core import metrics
from apps.core.errors import ValidationFailed

logger = logging.getLogger("timeledger.webhooks")
Status = WebhookDelivery.Status
RETRYABLE_STATUSES = {408, 429}
LEASE_GRACE = timedelta(seconds=30)
USER_AGENT = "TimeLedger-Webhooks/1"


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None = None
    body: str = ""
    error: str = ""
    retryable: bool = False
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def envelope(delivery: WebhookDelivery) -> dict:
    event = delivery.event
    return {
        "id": str(event.event_id),
        "type": event.type,
        "time": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "organization": event.organization.slug,
        "data": event.data,
    }


def backoff_seconds(attempts: int) -> float:
    base = settings.WEBHOOK_BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return min(base, settings.WEBHOOK_BACKOFF_MAX_SECONDS) * random.uniform(0.5, 1.0)


def _earlier_unfinished(delivery: WebhookDelivery) -> bool:
    return WebhookDelivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        subject=delivery.subject,
        sequence__lt=delivery.sequence,
        status__in=[Status.PENDING, Status.SENDING],
    ).exists()


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "event__organization")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in {Status.SUCCEEDED, Status.DEAD}:
            return None
        if delivery.status == Status.SENDING and delivery.lease_until and delivery.lease_until > now:
            return None  # another worker has it
        if delivery.next_attempt_at > now or not delivery.endpoint.is_active:
            return None  # not due yet (the sweep sends it), or its endpoint is switched off
        if _earlier_unfinished(delivery):
            return None  # the earlier one queues this when it finishes
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.lease_until = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) + LEASE_GRACE
        delivery.save(update_fields=["status", "attempts", "last_attempt_at", "lease_until"])
    return delivery


def _post(delivery: WebhookDelivery, body: bytes) -> AttemptResult:
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        target = resolve_target(delivery.endpoint.url)
    except ValidationFailed as refused:
        return AttemptResult(
            error=refused.message[:300], retryable=refused.code == "WEBHOOK_TARGET_UNRESOLVABLE"
        )
    timestamp = int(time.time())
    headers = {
        "Host": target.host if target.port in {80, 443} else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-TimeLedger-Event": delivery.event.type,
        "X-TimeLedger-Event-Id": str(delivery.event.event_id),
        "X-TimeLedger-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
    }
    timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
    last_error = ""
    # Connect to a checked address (never resolve again); TLS still checks the certificate of the name.
    for address in target.addresses:
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, target.port, server_hostname=target.host, assert_hostname=target.host,
                timeout=timeout, retries=False, maxsize=1,
            )  # fmt: skip
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
        try:
            response = pool.urlopen(
                "POST", target.path, body=body, headers=headers, redirect=False, preload_content=False
            )
            text = response.read(2000, decode_content=True).decode("utf-8", "replace")
            response.release_conn()
            code = response.status
            return AttemptResult(
                status_code=code,
                body=text[:500],
                retryable=code >= 500 or code in RETRYABLE_STATUSES,
                duration_ms=took(),
            )
        except urllib3.exceptions.TimeoutError:
            return AttemptResult(
                error=f"timed out after {settings.WEBHOOK_TIMEOUT_SECONDS:g} s",
                retryable=True,
                duration_ms=took(),
            )
        except urllib3.exceptions.HTTPError as error:
            last_error = f"{type(error).__name__}: {error}"[:300]  # try the next address
        finally:
            pool.close()
    return AttemptResult(error=last_error or "no address to connect to", retryable=True, duration_ms=took())


def _record(delivery: WebhookDelivery, result: AttemptResult) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        row.last_status_code = result.status_code
        row.last_response = result.body
        row.last_error = result.error
        row.last_duration_ms = result.duration_ms
        row.lease_until = None
        if result.ok:
            row.status, row.delivered_at, outcome = Status.SUCCEEDED, now, "succeeded"
        elif result.retryable and row.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
            row.status, outcome = Status.PENDING, "retry"
            row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
        else:
            row.status, outcome = Status.DEAD, "dead"
        row.save()
        transaction.on_commit(lambda: _after(row, outcome))
    metrics.webhook_deliveries.labels(outcome=outcome).inc()
    metrics.delivery_recorded(channel="webhook", outcome=metrics.WEBHOOK_OUTCOMES[outcome])
    if outcome == "dead":
        metrics.dead_letter_recorded(channel="webhook")
    metrics.webhook_delivery_seconds.observe(result.duration_ms / 1000)
    logger.info(
        "webhook delivery %s",
        outcome,
        extra={
            "delivery": row.pk,
            "event": row.event_id,
            "status": result.status_code,
            "error": result.error,
        },
    )
    return row


def _after(delivery: WebhookDelivery, outcome: str) -> None:
    from apps.audit.tasks import webhook_deliver

    if outcome == "retry":
        if not settings.CELERY_TASK_ALWAYS_EAGER:  # eager (demo, tests): the sweep sends it when due
            delay = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
            webhook_deliver.apply_async(kwargs={"delivery_id": delivery.pk}, countdown=delay)
        return
    following = next_in_subject(delivery)
    if following is not None:
        webhook_deliver.delay(delivery_id=following)


def next_in_subject(delivery: WebhookDelivery) -> int | None:
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            subject=delivery.subject,
            sequence__gt=delivery.sequence,
            status=Status.PENDING,
        )
        .order_by("sequence")
        .values_list("pk", flat=True)
        .first()
    )


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery if it is due and first in its subject; None when there was nothing to do."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    body = json.dumps(envelope(delivery), cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    return _record(delivery, _post(delivery, body))


def deliveries_due(*, limit: int = 500) -> list[int]:
    """What the sweep queues: pending deliveries that are due and sending ones whose lease ran out, the
    first of each endpoint and subject only (the rest follow in order)."""
    now = timezone.now()
    rows = (
        WebhookDelivery.objects.filter(endpoint__is_active=True)
        .filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Status.SENDING, lease_until__lte=now)
        )
        .order_by("sequence")
        .values_list("pk", "endpoint_id", "subject")[: limit * 4]
    )
    heads: dict[tuple[int, str], int] = {}
    for pk, endpoint_id, subject in rows:
        heads.setdefault((endpoint_id, subject), pk)
    return list(heads.values())[:limit]
