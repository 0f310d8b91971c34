"""The background computation of a large cycle's summary: the job row, its audit entry, and its queueing."""

from celery import current_app
from django.db import transaction

from apps.access.models import Membership
from apps.audit.services import audit_record
from apps.payroll_cycles.models import PayrollCycle, SummaryJob
from apps.payroll_cycles.services._common import ensure_admin

# tasks.py sits on top of the app and runs this job; it is queued by its registered name so that no
# service imports tasks.py (PayrollCyclesConfig.ready() imports it, so the name exists in every process).
SUMMARY_JOB_RUN = "payroll.summary_job_run"


def summary_job_create(*, actor: Membership, cycle: PayrollCycle) -> SummaryJob:
    """Ask for the full summary of `cycle` to be computed by a worker; it is queued once this commits."""
    ensure_admin(actor)
    with transaction.atomic():
        job = SummaryJob.objects.create(organization=actor.organization, cycle=cycle, requested_by=actor)
        audit_record(
            action="payroll.summary_job.create",
            actor=actor,
            target=job,
            details={"cycle": cycle.pk, "cycleName": cycle.name},
        )
        transaction.on_commit(lambda: current_app.tasks[SUMMARY_JOB_RUN].delay(job_id=job.pk))
    job.refresh_from_db()
    return job
