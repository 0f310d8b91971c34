"""An import job's life, in one place: created (and queued once its transaction commits), started,
progressing, then finished or failed. Every change of a job's row goes through here; a job row is what
survives a restart, so the status a client polls (`GET jobs/{id}`) is always one of these steps.

The work itself is the services' (`batch_commit_run`, `preview_job_run`); tasks.py runs a job by id.
Updates are by primary key (`UPDATE ... WHERE id`), never a save of a stale instance, so a redelivered
task and a poll never overwrite each other's fields.
"""

import time

from django.utils import timezone

from apps.access.models import Membership
from apps.core import metrics
from apps.core.errors import DomainError
from apps.imports import queue
from apps.imports.models import ImportBatch, ImportJob, Upload

FINISHED = frozenset({ImportJob.Status.COMPLETED, ImportJob.Status.FAILED, ImportJob.Status.CANCELED})


def job_create(
    *, member: Membership, kind: str, upload: Upload, batch: ImportBatch | None = None, options=None,
    run_async: bool, created_at=None,
) -> ImportJob:  # fmt: skip
    """A queued job for `upload`; with `run_async` the Celery task runs it after the caller's transaction
    commits (at once outside one), otherwise the caller runs it in the request."""
    job = ImportJob.objects.create(
        organization=member.organization,
        created_by=member.user,
        kind=kind,
        upload=upload,
        batch=batch,
        options=options or {},
        total=upload.line_count,
        created_at=created_at or timezone.now(),
    )
    if run_async:
        queue.queue_after_commit(queue.JOB_RUN, job_id=job.pk)
    return job


def job_start(job: ImportJob) -> float:
    """Mark the job running (one more attempt); returns the start for `job_finish`'s throughput."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        phase="validating",
        started_at=timezone.now(),
        attempts=job.attempts + 1,
    )
    return time.monotonic()


def job_progress(job: ImportJob, processed: int, *, phase: str | None = None) -> None:
    changes: dict = {"processed": processed}
    if phase is not None:
        changes["phase"] = phase
    ImportJob.objects.filter(pk=job.pk).update(**changes)


def job_progress_reporter(job: ImportJob):
    """`on_progress(processed)` for a pass over the file."""
    return lambda processed: job_progress(job, processed)


def job_finish(job: ImportJob, *, rows: int, result: dict, started: float, finished_at=None) -> None:
    """Completed: every row processed, the result a client reads, the throughput since `started`."""
    elapsed = max(time.monotonic() - started, 1e-6)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.COMPLETED,
        phase="done",
        processed=rows,
        total=rows,
        result=result,
        throughput_rows_per_sec=round(rows / elapsed, 1),
        finished_at=finished_at or timezone.now(),
    )
    _counted(job, "completed")


def _counted(job: ImportJob, outcome: str) -> None:
    metrics.job_finished(kind=f"import_{job.kind}", outcome=outcome)


def job_fail(job: ImportJob, error: DomainError, *, result: dict | None = None) -> None:
    """Failed with a domain error; its code and message are what the client sees."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        phase="done",
        error_code=error.code,
        error_message=error.message[:500],
        result={**(result or {}), "details": error.details},
        finished_at=timezone.now(),
    )
    _counted(job, "failed")


def job_runnable(job_id: int) -> ImportJob | None:
    """The job to run, or None when it is gone or already finished (a redelivered task does nothing)."""
    job = ImportJob.objects.select_related("upload", "organization").filter(pk=job_id).first()
    if job is None or job.status in FINISHED:
        return None
    return job
