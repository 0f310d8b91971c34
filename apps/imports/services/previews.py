"""Preview: validate every row of an upload and say what a commit would do, without writing anything
but a job row (for large files, which preview in the background)."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.access.models import Membership
from apps.core import metrics
from apps.core.errors import DomainError
from apps.imports.jobs import (
    job_create,
    job_fail,
    job_finish,
    job_heartbeat,
    job_progress_reporter,
    job_queue,
    job_start,
    unexpected_failure,
)
from apps.imports.members import MemberIndex
from apps.imports.models import ImportJob, Upload, ValidatedSet
from apps.imports.pipeline import run_pass, validation_key
from apps.imports.plausibility import plausible_span, preview_warnings, staged_warnings
from apps.imports.selectors import upload_ensure_live
from apps.imports.services.uploads import upload_from_source
from apps.imports.services.validated_sets import validated_set_discard
from apps.imports.staging import Staging, staged_actions, staged_actions_for

logger = logging.getLogger("timeledger.imports")


@dataclass(frozen=True)
class PreviewOutcome:
    """The preview's body (`result`), or the queued job that will hold it (large files, `async`)."""

    result: dict | None = None
    job: ImportJob | None = None


def preview_run(
    *, member: Membership, mapping: dict | None = None, preview_limit: int = 100, run_async: bool = False,
    upload_id: int | None = None, csv_text: str | None = None, filename: str = "", match_by_name: bool = False,
) -> PreviewOutcome:  # fmt: skip
    """`POST preview`: the upload named (or the inline text), previewed now or, for files over
    IMPORT_SYNC_MAX_ROWS rows or on request, by a job."""
    upload = upload_from_source(member=member, upload_id=upload_id, csv_text=csv_text, filename=filename)
    mapping = mapping or {}
    if run_async or upload.line_count > settings.IMPORT_SYNC_MAX_ROWS:
        with transaction.atomic():
            job = job_create(
                member=member, kind=ImportJob.Kind.PREVIEW, upload=upload,
                options={"mapping": mapping, "preview_limit": preview_limit, "match_by_name": match_by_name},
            )  # fmt: skip
        job_queue(job)  # a broker that is down: the job fails and this is a 503
        job.refresh_from_db()
        return PreviewOutcome(job=job)
    return PreviewOutcome(
        result=preview_compute(
            upload=upload, mapping=mapping, preview_limit=preview_limit, match_by_name=match_by_name
        )
    )


def preview_compute(
    *, upload: Upload, mapping: dict, preview_limit: int, on_progress=None, match_by_name: bool = False
) -> dict:
    """Validate the whole file and compare it with the records; the result the API returns.

    The valid and rejected rows are kept in a ValidatedSet, so that a commit of this upload with the same
    mapping merges them without a second pass over the file (while the members are unchanged)."""
    started = time.monotonic()
    organization = upload.organization
    members = MemberIndex(organization)
    kept = _validated_set_start(upload=upload, mapping=mapping, members=members, match_by_name=match_by_name)
    # A kept set keeps the rejected lines too: the commit writes them as items.
    staging = Staging(with_rejects=kept is not None, table=kept.table if kept else "")
    try:
        with metrics.import_phase("preview"):
            result = run_pass(
                upload=upload,
                organization=organization,
                mapping=mapping,
                staging=staging,
                preview_limit=preview_limit,
                on_progress=on_progress,
                members=members,
                match_by_name=match_by_name,
            )
        metrics.import_rows(phase="preview", counts={"valid": result.valid, "invalid": result.invalid})
        span = plausible_span(organization)
        actions = staged_actions(organization_id=organization.pk, table=staging.table, plausible=span)
        row_actions = staged_actions_for(
            [row["line"] for row in result.preview_rows if row["state"] == "valid"],
            organization_id=organization.pk,
            table=staging.table,
        )
        warned = staged_warnings(
            organization=organization, table=staging.table, span=span,
            implausible_dates=actions["implausible_dates"],
        )  # fmt: skip
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
    preview_warnings(organization=organization, rows=result.preview_rows)
    summary = result.summary() | {
        "to_create": actions["create"],
        "to_update": actions["update"],
        "unchanged": actions["unchanged"],
        "warnings": warned,
    }
    return {
        "upload_id": upload.pk,
        "detection": result.detection.as_dict(),
        "summary": summary,
        "rows": result.preview_rows,
        "errors": result.errors,
        "errors_truncated": result.errors_truncated,
        "match_by_name": match_by_name,
        "unmatched": result.unmatched_people(),
        "unmatched_truncated": result.unmatched_truncated,
        "elapsed_ms": round((time.monotonic() - started) * 1000),
    }


def _validated_set_start(
    *, upload: Upload, mapping: dict, members: MemberIndex, match_by_name: bool
) -> ValidatedSet | None:
    key = validation_key(
        organization=upload.organization, mapping=mapping, members=members, match_by_name=match_by_name
    )
    return ValidatedSet.objects.create(
        organization=upload.organization, upload=upload, key=key, created_at=timezone.now()
    )


def preview_job_run(*, job: ImportJob, reraise: tuple = ()) -> None:
    """Run a preview job. Re-running it (a redelivered task) just computes the same answer again. Any
    exception fails the job (an unexpected one as IMPORT_FAILED, logged), except those of `reraise`."""
    started = job_start(job)
    try:
        with job_heartbeat(job):
            upload_ensure_live(job.upload)
            result = preview_compute(
                upload=job.upload,
                mapping=job.options.get("mapping", {}),
                preview_limit=job.options.get("preview_limit", 100),
                match_by_name=job.options.get("match_by_name", False),
                on_progress=job_progress_reporter(job),
            )
    except DomainError as error:
        job_fail(job, error)
        return
    except Exception as error:
        if isinstance(error, reraise):
            raise
        logger.exception("import preview job %s failed", job.pk)
        job_fail(job, unexpected_failure())
        return
    job_finish(job, rows=result["summary"]["total_rows"], result=result, started=started)
