"""Reads of the import pipeline, scoped to the caller's organization first."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.core.errors import Gone, NotFound
from apps.imports.models import ImportBatch, ImportItem, ImportJob, Upload


def upload_for(*, member: Membership, upload_id) -> Upload:
    """A live upload of the member's organization: 404 when there is none, 410 once it expired."""
    try:
        upload = Upload.objects.for_org(member.organization).get(pk=int(upload_id))
    except (Upload.DoesNotExist, TypeError, ValueError):
        raise NotFound("UPLOAD_NOT_FOUND", _("No such upload in this organization.")) from None
    upload_ensure_live(upload)
    return upload


def upload_ensure_live(upload: Upload) -> None:
    if upload.purged_at is not None or upload.expires_at <= timezone.now():
        raise Gone(
            "EXPIRED", _("The upload has expired; upload the file again."), {"expiredAt": upload.expires_at}
        )


def batches_for(*, member: Membership) -> QuerySet[ImportBatch]:
    return (
        ImportBatch.objects.for_org(member.organization)
        .select_related("created_by", "job")
        .order_by("-created_at", "-id")
    )


def batch_for(*, member: Membership, batch_id: int) -> ImportBatch:
    try:
        return batches_for(member=member).get(pk=batch_id)
    except ImportBatch.DoesNotExist:
        raise NotFound("BATCH_NOT_FOUND", _("No such import batch in this organization.")) from None


def items_for(*, batch: ImportBatch) -> QuerySet[ImportItem]:
    """A batch's items in file order (the API narrows them with ImportItemFilter)."""
    return ImportItem.objects.filter(batch=batch).order_by("line")


def job_for(*, member: Membership, job_id: int) -> ImportJob:
    try:
        return ImportJob.objects.for_org(member.organization).select_related("batch").get(pk=job_id)
    except ImportJob.DoesNotExist:
        raise NotFound("JOB_NOT_FOUND", _("No such import job in this organization.")) from None


def imports_running(*, organization_id: int) -> dict[str, int]:
    """For payroll's readiness check (attendance's pending-work hook): import jobs queued or running."""
    from apps.imports.models import ImportJob

    running = ImportJob.objects.filter(
        organization_id=organization_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).count()
    return {"importsRunning": running}
