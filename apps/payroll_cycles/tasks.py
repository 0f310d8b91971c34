"""Celery tasks of payroll: the summary of a large cycle, and keeping auto-generated cycles ahead."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.payroll_cycles.models import SummaryJob

logger = logging.getLogger(__name__)


@shared_task(name="payroll.summary_job_run", acks_late=True)
def summary_job_run(*, job_id: int) -> None:
    """Idempotent: a finished job is left alone; a redelivered running job computes again (one statement,
    nothing half-written)."""
    from apps.payroll_cycles.summary import cycle_summary

    with transaction.atomic():
        job = (
            SummaryJob.objects.select_for_update()
            .select_related("cycle__organization")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (SummaryJob.Status.COMPLETED, SummaryJob.Status.FAILED):
            return
        job.status, job.progress, job.started_at = SummaryJob.Status.RUNNING, 10, timezone.now()
        job.save(update_fields=["status", "progress", "started_at"])
    try:
        rows = cycle_summary(cycle=job.cycle)
    except Exception as error:  # recorded on the row, never left running
        logger.exception("payroll summary job %s failed", job_id)
        SummaryJob.objects.filter(pk=job_id).update(
            status=SummaryJob.Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        return
    SummaryJob.objects.filter(pk=job_id).update(
        status=SummaryJob.Status.COMPLETED,
        progress=100,
        members=len(rows),
        result=rows,
        finished_at=timezone.now(),
    )


@shared_task(name="payroll.cycles_keep_ahead", acks_late=True)
def cycles_keep_ahead_task() -> int:
    from apps.payroll_cycles.services import cycles_keep_ahead

    return cycles_keep_ahead()
