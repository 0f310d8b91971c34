"""Celery tasks: they take ids, run after the creating transaction commits, and may run twice.

The top of the imports app: tasks run the services; nothing imports this module but `ImportsConfig.ready()`
(which registers the tasks). Work is queued by task name (queue.py)."""

from celery import shared_task
from django.db import OperationalError

from apps.imports import jobs, queue, statistics
from apps.imports.models import ImportJob
from apps.imports.services.commits import RetryableMergeError, batch_commit_run
from apps.imports.services.previews import preview_job_run
from apps.imports.services.recovery import import_jobs_recover
from apps.imports.services.tokens import commit_tokens_purge
from apps.imports.services.uploads import upload_files_orphaned_purge, upload_purge_expired
from apps.imports.services.validated_sets import validated_sets_purge

RETRIED = (OperationalError, RetryableMergeError)


def import_job_execute(*, job_id: int, reraise: tuple = ()) -> None:
    """Run a job by id (what the task does); a finished or missing job is left alone. Any error fails the
    job, except those of `reraise` (which the task retries)."""
    job = jobs.job_runnable(job_id)
    if job is None:
        return
    if job.kind == ImportJob.Kind.COMMIT:
        batch_commit_run(job_id=job.pk, reraise=reraise)
    else:
        preview_job_run(job=job, reraise=reraise)


@shared_task(
    name=queue.JOB_RUN,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRIED,
    retry_backoff=True,
    max_retries=5,
)
def import_job_run(self, *, job_id: int) -> None:
    # A lost database connection is retried; on the last attempt it fails the job like any other error.
    last = self.request.retries >= self.max_retries
    import_job_execute(job_id=job_id, reraise=() if last else RETRIED)


@shared_task(name=queue.SWEEP, ignore_result=True)
def import_sweep() -> dict:
    return import_jobs_recover()


@shared_task(name=queue.RECORDS_VACUUM, ignore_result=True)
def import_records_vacuum() -> bool:
    return statistics.vacuum_records()


@shared_task(name=queue.STATISTICS_REFRESH, ignore_result=True)
def import_statistics_refresh(*, tables: list[str]) -> None:
    statistics.analyze(tables=tables)


@shared_task(name=queue.JANITOR)
def import_janitor() -> dict:
    return {
        "uploads_purged": upload_purge_expired(),
        "orphaned_files_deleted": upload_files_orphaned_purge(),
        "tokens_deleted": commit_tokens_purge(),
        "validated_sets_dropped": validated_sets_purge(),
    }
