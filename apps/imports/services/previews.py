"""Preview: validate every row of an upload and say what a commit would do, without writing anything
but a job row (for large files, which preview in the background)."""

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance import hooks as attendance_hooks
from apps.core.errors import DomainError, ValidationFailed
from apps.imports.models import ImportJob, Upload, ValidatedSet
from apps.imports.pipeline import run_pass, validation_key
from apps.imports.services.validated_sets import validated_set_discard
from apps.imports.staging import Staging, staged_actions, staged_actions_for
from apps.imports.validation import MemberIndex, validate_mapping

PREVIEW_LIMIT_MAX = 1000


def preview_options(*, mapping, preview_limit) -> dict:
    try:
        limit = int(preview_limit if preview_limit is not None else 100)
    except (TypeError, ValueError):
        limit = -1
    if not 0 <= limit <= PREVIEW_LIMIT_MAX:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("previewLimit must be between 0 and %(max)s.") % {"max": PREVIEW_LIMIT_MAX},
            {"fields": {"previewLimit": [_("out of range")]}},
        )
    return {"mapping": validate_mapping(mapping), "preview_limit": limit}


def preview_compute(*, upload: Upload, mapping: dict, preview_limit: int, on_progress=None) -> dict:
    """Validate the whole file and compare it with the records; the result the API returns.

    The valid and rejected rows are kept in a ValidatedSet, so that a commit of this upload with the same
    mapping merges them without a second pass over the file (while the members are unchanged)."""
    started = time.monotonic()
    organization = upload.organization
    members = MemberIndex(organization)
    kept = _validated_set_start(upload=upload, mapping=mapping, members=members)
    # A kept set keeps the rejected lines too: the commit writes them as items.
    staging = Staging(with_rejects=kept is not None, table=kept.table if kept else "")
    try:
        result = run_pass(
            upload=upload,
            organization=organization,
            mapping=mapping,
            staging=staging,
            preview_limit=preview_limit,
            on_progress=on_progress,
            members=members,
        )
        actions = staged_actions(organization_id=organization.pk, table=staging.table)
        row_actions = staged_actions_for(
            [row["line"] for row in result.preview_rows if row["state"] == "valid"],
            organization_id=organization.pk,
            table=staging.table,
        )
    except BaseException:
        if kept is not None:
            validated_set_discard(kept)
        raise
    finally:
        Staging.drop()
    if kept is not None:
        ValidatedSet.objects.filter(pk=kept.pk).update(result=result.kept(), completed_at=timezone.now())
    for row in result.preview_rows:
        row["action"] = row_actions.get(row["line"], "")
    summary = result.summary() | {
        "to_create": actions["create"],
        "to_update": actions["update"],
        "unchanged": actions["unchanged"],
    }
    return {
        "upload_id": upload.pk,
        "detection": result.detection.as_dict(),
        "summary": summary,
        "rows": result.preview_rows,
        "errors": result.errors,
        "errors_truncated": result.errors_truncated,
        "elapsed_ms": round((time.monotonic() - started) * 1000),
    }


def _validated_set_start(*, upload: Upload, mapping: dict, members: MemberIndex) -> ValidatedSet | None:
    if attendance_hooks.has_lock_checkers():
        return None  # locks can change between preview and commit: the commit validates afresh
    key = validation_key(organization=upload.organization, mapping=mapping, members=members)
    return ValidatedSet.objects.create(
        organization=upload.organization, upload=upload, key=key, created_at=timezone.now()
    )


def preview_should_run_async(*, upload: Upload, requested: bool) -> bool:
    return requested or upload.line_count > settings.IMPORT_SYNC_MAX_ROWS


def preview_job_create(*, member: Membership, upload: Upload, options: dict) -> ImportJob:
    from apps.imports.tasks import import_job_run

    with transaction.atomic():
        job = ImportJob.objects.create(
            organization=member.organization,
            created_by=member.user,
            kind=ImportJob.Kind.PREVIEW,
            upload=upload,
            options=options,
            total=upload.line_count,
            created_at=timezone.now(),
        )
        transaction.on_commit(lambda: import_job_run.delay(job_id=job.pk))
    return job


def preview_job_run(*, job: ImportJob) -> None:
    """Run a preview job. Re-running it (a redelivered task) just computes the same answer again."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), phase="validating"
    )
    started = time.monotonic()

    def progress(processed: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed=processed)

    try:
        from apps.imports.selectors import upload_ensure_live

        upload_ensure_live(job.upload)
        result = preview_compute(
            upload=job.upload,
            mapping=job.options.get("mapping", {}),
            preview_limit=job.options.get("preview_limit", 100),
            on_progress=progress,
        )
    except DomainError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error_code=error.code,
            error_message=error.message[:500],
            result={"details": error.details},
            finished_at=timezone.now(),
        )
        return
    rows = result["summary"]["total_rows"]
    elapsed = max(time.monotonic() - started, 1e-6)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.COMPLETED,
        phase="done",
        processed=rows,
        total=rows,
        result=result,
        throughput_rows_per_sec=round(rows / elapsed, 1),
        finished_at=timezone.now(),
    )
