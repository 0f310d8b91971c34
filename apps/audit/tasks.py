"""Periodic audit work, scheduled by Celery beat (CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from apps.audit.chain import audit_seal_pending
from apps.audit.retention import audit_retention_run


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
