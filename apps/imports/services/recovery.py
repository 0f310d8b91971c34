"""The sweeper: import jobs whose process died are queued again, or failed.

A job stamps `heartbeat_at` when it is queued, started, progresses, and every IMPORT_JOB_HEARTBEAT_SECONDS
while it runs (jobs.py). A queued or running job whose stamp is older than IMPORT_JOB_STALE_SECONDS lost
its process: a Celery worker killed (whose message Redis would hand back only after the visibility
timeout), a web worker killed during a synchronous commit, or a message the broker lost. Such a job is
queued again (the work is idempotent: a batch is merged once whatever runs it), at most
IMPORT_JOB_MAX_RECOVERIES times; after that, or when the broker cannot take it, it is failed with
IMPORT_INTERRUPTED and so is its batch, and a retry with the same idempotency key runs it again.

Run by Celery beat every minute (`imports.sweep`) and by `manage.py imports_sweep`.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.errors import DomainError
from apps.imports import queue
from apps.imports.jobs import job_fail
from apps.imports.models import ImportJob
from apps.imports.services.commits import batch_fail

UNFINISHED = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


def interrupted() -> DomainError:
    error = DomainError(
        "IMPORT_INTERRUPTED",
        _(
            "The import stopped when the process running it ended, and nothing was imported; retry with the "
            "same idempotency key."
        ),
    )
    error.status_code = 503
    return error


def _interrupt(job: ImportJob) -> None:
    if job.kind == ImportJob.Kind.COMMIT and job.batch is not None:
        batch_fail(job=job, batch=job.batch, error=interrupted())
    else:
        job_fail(job, interrupted())


def import_jobs_recover(*, now=None, stale_seconds: int | None = None) -> dict:
    """Queue again (or fail) the jobs whose heartbeat is stale; returns what it did."""
    now = now or timezone.now()
    stale = settings.IMPORT_JOB_STALE_SECONDS if stale_seconds is None else stale_seconds
    cutoff = now - timedelta(seconds=stale)
    stale_jobs = (
        ImportJob.objects.filter(status__in=UNFINISHED)
        .filter(Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True, created_at__lte=cutoff))
        .select_related("batch", "organization", "created_by")
        .order_by("id")
    )
    requeued: list[int] = []
    failed: list[int] = []
    for job in stale_jobs:
        if job.recoveries >= settings.IMPORT_JOB_MAX_RECOVERIES:
            _interrupt(job)
            failed.append(job.pk)
            continue
        # Claimed by its stamp: a sweep running twice, or the job's own heartbeat, wins the race.
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(status=ImportJob.Status.QUEUED, heartbeat_at=now, recoveries=F("recoveries") + 1)
        if not claimed:
            continue
        try:
            queue.publish(queue.JOB_RUN, job_id=job.pk)
        except DomainError:
            _interrupt(job)
            failed.append(job.pk)
            continue
        requeued.append(job.pk)
    outcome = {"requeued": requeued, "failed": failed}
    if requeued or failed:
        audit_record(action="imports.jobs.recover", details=outcome, actor_label="sweeper")
    return outcome
