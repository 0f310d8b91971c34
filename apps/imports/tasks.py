"""Celery tasks: they take ids, run after the creating transaction commits, and may run twice."""

from celery import shared_task
from django.db import OperationalError

from apps.imports import merge
from apps.imports.services.commits import RetryableMergeError
from apps.imports.services.jobs import import_job_execute
from apps.imports.services.tokens import commit_tokens_purge
from apps.imports.services.uploads import upload_purge_expired
from apps.imports.services.validated_sets import validated_sets_purge


@shared_task(
    name="imports.job_run",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, RetryableMergeError),
    retry_backoff=True,
    max_retries=5,
)
def import_job_run(*, job_id: int) -> None:
    import_job_execute(job_id=job_id)


@shared_task(name="imports.records_vacuum", ignore_result=True)
def import_records_vacuum() -> bool:
    return merge.vacuum_records()


@shared_task(name="imports.statistics_refresh", ignore_result=True)
def import_statistics_refresh(*, tables: list[str]) -> None:
    merge.analyze(tables=tables)


@shared_task(name="imports.janitor")
def import_janitor() -> dict:
    return {
        "uploads_purged": upload_purge_expired(),
        "tokens_deleted": commit_tokens_purge(),
        "validated_sets_dropped": validated_sets_purge(),
    }
