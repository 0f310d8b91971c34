"""Periodic audit work, scheduled by Celery beat (CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from apps.audit.chain import audit_seal_pending
from apps.audit.retention import audit_retention_run
from apps.audit.verify import chain_verify, chains
from apps.core import metrics


@shared_task(acks_late=True, name="audit.retention")
def audit_retention_task() -> dict:
    """Daily retention. Running it twice (a redelivery) removes nothing the first run did not."""
    results = audit_retention_run()
    return {result.organization: result.removed for result in results}


@shared_task(acks_late=True, name="audit.seal")
def audit_seal_task() -> dict:
    """Seal the committed unsealed entries of every chain (every AUDIT_SEAL_INTERVAL seconds). Two runs at
    once, or a redelivery, seal each entry once: a chain's head is taken with SKIP LOCKED."""
    return audit_seal_pending()


@shared_task(acks_late=True, name="audit.webhook_deliver")
def webhook_deliver(*, delivery_id: int) -> str:
    """One attempt of one delivery; does nothing when it is not due, finished, or behind an earlier one."""
    from apps.audit.webhooks.delivery import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "skipped"


@shared_task(acks_late=True, name="audit.webhooks_sweep")
def webhooks_sweep() -> int:
    """Queue what is due: retries, and deliveries whose worker died mid-attempt (lease over)."""
    from apps.audit.webhooks.delivery import deliveries_due

    due = deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id=delivery_id)
    return len(due)


@shared_task(acks_late=True, name="audit.chain_verify")
def audit_chain_verify_task() -> dict:
    """Daily: verify every hash chain (as `manage.py audit_verify` does) and record the outcome for the
    audit-chain metric and its alert. Read-only, so running it twice is harmless."""
    broken = [key for key in chains() if not chain_verify(key).ok]
    metrics.check_recorded("audit_chain", ok=not broken, problems=len(broken))
    return {"chains": len(chains()), "broken": broken}
