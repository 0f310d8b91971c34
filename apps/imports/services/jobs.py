"""Running a job by id: what the Celery task (and the eager path) calls."""

from apps.imports.models import ImportJob
from apps.imports.services.commits import batch_commit_run
from apps.imports.services.previews import preview_job_run


def import_job_execute(*, job_id: int) -> None:
    job = ImportJob.objects.select_related("upload", "organization").filter(pk=job_id).first()
    if job is None or job.status in {
        ImportJob.Status.COMPLETED,
        ImportJob.Status.FAILED,
        ImportJob.Status.CANCELED,
    }:
        return
    if job.kind == ImportJob.Kind.COMMIT:
        batch_commit_run(job_id=job.pk)
    else:
        preview_job_run(job=job)
