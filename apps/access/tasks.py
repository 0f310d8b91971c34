"""Background work of the access app (Celery). Tasks take plain values and call services."""

from celery import shared_task
from django.conf import settings

from apps.access.services import tokens_purge


@shared_task(name="access.tokens_purge_expired")
def tokens_purge_expired(older_than_days: int | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): delete long-dead API tokens. Safe to run twice."""
    return tokens_purge(older_than_days=older_than_days or settings.API_TOKEN_PURGE_AFTER_DAYS)
