"""An import job's life, in one place: created, queued, started, progressing (with a heartbeat), then
finished or failed. Every change of a job's row goes through here; a job row is what survives a restart,
so the status a client polls (`GET jobs/{id}`) is always one of these steps.

The work itself is the services' (`batch_commit_run`, `preview_job_run`); tasks.py runs a job by id.
Updates are by primary key (`UPDATE ... WHERE id`), never a save of a stale instance, so a redelivered
task and a poll never overwrite each other's fields.

While a job runs, `job_heartbeat` stamps `heartbeat_at` every IMPORT_JOB_HEARTBEAT_SECONDS from a thread
of the process running it (a Celery worker, or the web worker of a synchronous commit). When that process
dies the stamps stop, and the sweeper (services/recovery.py) takes the job over within
IMPORT_JOB_STALE_SECONDS.
"""

import contextlib
import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.core import metrics
from apps.core.errors import DomainError
from apps.imports import queue
from apps.imports.models import ImportBatch, ImportJob, Upload

FINISHED = frozenset({ImportJob.Status.COMPLETED, ImportJob.Status.FAILED, ImportJob.Status.CANCELED})
# Failures that say nothing about the file: a retry with the same idempotency key runs the batch again
# (docs/imports.md, "Rules"); any other failure answers the same error to every retry.
RETRYABLE = frozenset({"IMPORT_FAILED", "IMPORT_INTERRUPTED", "SERVICE_UNAVAILABLE"})
logger = logging.getLogger("timeledger.imports")


def unexpected_failure() -> DomainError:
    """What a job that failed on an error of ours answers (a 500, with a code; the same key re-runs it)."""
    error = DomainError(
        "IMPORT_FAILED",
        _("The import failed on our side and nothing was imported; retry with the same idempotency key."),
    )
    error.status_code = 500
    return error


def job_create(
    *, member: Membership, kind: str, upload: Upload, batch: ImportBatch | None = None, options=None,
    created_at=None,
) -> ImportJob:  # fmt: skip
    """A queued job for `upload`. To run it in a worker the caller calls `job_queue` once its transaction
    committed (a broker that is down is then a 503 and a failed job, never a job queued for ever);
    otherwise the caller runs it in the request."""
    now = created_at or timezone.now()
    return ImportJob.objects.create(
        organization=member.organization,
        created_by=member.user,
        kind=kind,
        upload=upload,
        batch=batch,
        options=options or {},
        total=upload.line_count,
        created_at=now,
        heartbeat_at=now,
    )


def job_queue(job: ImportJob, *, on_unavailable=None) -> None:
    """Send the job to a worker. When the broker cannot take it the job is failed with SERVICE_UNAVAILABLE
    (`on_unavailable(error)` is called, to fail what else belongs to the job) and that error, a 503, is
    raised. Inside a transaction (a caller's own) the message goes once it commits, and the failure is only
    recorded: a worker must never look for rows that are not there yet."""

    def send():
        try:
            queue.publish(queue.JOB_RUN, job_id=job.pk)
        except DomainError as error:
            job_fail(job, error)
            if on_unavailable is not None:
                on_unavailable(error)
            raise

    if connection.in_atomic_block:
        transaction.on_commit(lambda: _quietly(send))
        return
    send()


def _quietly(send) -> None:
    with contextlib.suppress(DomainError):
        send()


def job_start(job: ImportJob) -> float:
    """Mark the job running (one more attempt); returns the start for `job_finish`'s throughput."""
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        phase="validating",
        started_at=now,
        heartbeat_at=now,
        attempts=job.attempts + 1,
    )
    return time.monotonic()


def job_progress(
    job: ImportJob, processed: int, *, phase: str | None = None, total: int | None = None
) -> None:
    changes: dict = {"processed": processed, "heartbeat_at": timezone.now()}
    if phase is not None:
        changes["phase"] = phase
    if total is not None:
        changes["total"] = total
    ImportJob.objects.filter(pk=job.pk).update(**changes)


def job_progress_reporter(job: ImportJob):
    """`on_progress(processed, total=None)` for a pass over the file."""
    return lambda processed, total=None: job_progress(job, processed, total=total)


def _beat(job_id: int, stop: threading.Event, every: float) -> None:
    try:
        while not stop.wait(every):
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
                heartbeat_at=timezone.now()
            )
    except Exception:  # a missed beat is no reason to disturb the job; the sweeper is patient
        logger.warning("import job %s: heartbeat failed", job_id, exc_info=True)
    finally:
        connection.close()  # this thread's own connection


@contextmanager
def job_heartbeat(job: ImportJob):
    """Stamp the job's heartbeat from a thread while the block runs (a long statement holds the job's own
    connection, so the stamps take one of their own)."""
    stop = threading.Event()
    beater = threading.Thread(
        target=_beat, args=(job.pk, stop, settings.IMPORT_JOB_HEARTBEAT_SECONDS), daemon=True,
        name=f"import-job-{job.pk}-heartbeat",
    )  # fmt: skip
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join(timeout=5)


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


def job_fail(job: ImportJob, error: DomainError, *, result: dict | None = None) -> bool:
    """Failed with a domain error; its code and message are what the client sees. Returns False when the
    job had finished already (nothing changed)."""
    failed = (
        ImportJob.objects.filter(pk=job.pk)
        .exclude(status__in=FINISHED)
        .update(
            status=ImportJob.Status.FAILED,
            phase="done",
            error_code=error.code,
            error_message=error.message[:500],
            result={**(result or {}), "details": error.details},
            finished_at=timezone.now(),
        )
    )
    if failed:
        _counted(job, "failed")
    return bool(failed)


def job_reset(job: ImportJob) -> bool:
    """A failed job made queued again (a retry of its batch with the same key); False if another retry
    did it first."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
            status=ImportJob.Status.QUEUED,
            phase="",
            processed=0,
            error_code="",
            error_message="",
            result=None,
            finished_at=None,
            heartbeat_at=timezone.now(),
        )
    )


def job_runnable(job_id: int) -> ImportJob | None:
    """The job to run, or None when it is gone or already finished (a redelivered task does nothing)."""
    job = ImportJob.objects.select_related("upload", "organization").filter(pk=job_id).first()
    if job is None or job.status in FINISHED:
        return None
    return job
