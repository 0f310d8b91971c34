"""Commit: turn a prepared upload into a batch, exactly once per idempotency key.

`batch_commit` is what the API calls. It creates the batch row (unique per organization and key) and its
job in one transaction with the token's consumption (`batch_commit_request`); the work itself
(`batch_commit_run`) validates, stages and merges in one more transaction, either right away (small
files) or in a Celery task that runs after the first commit. A task that dies half-way leaves nothing
(its transaction rolls back); a redelivered or duplicate run finds the batch finished, or finishes it,
once.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance import hooks as attendance_hooks
from apps.audit.services import audit_record
from apps.audit.webhooks.events import event_emit
from apps.core import metrics
from apps.core.errors import Conflict, DomainError, Unprocessable
from apps.imports import merge, statistics
from apps.imports.jobs import (
    RETRYABLE,
    job_create,
    job_fail,
    job_finish,
    job_heartbeat,
    job_progress,
    job_progress_reporter,
    job_queue,
    job_reset,
    job_start,
    unexpected_failure,
)  # fmt: skip
from apps.imports.members import MemberIndex
from apps.imports.models import ImportBatch, ImportJob, ValidatedSet
from apps.imports.pipeline import PassResult, run_pass, validation_key
from apps.imports.selectors import upload_ensure_live
from apps.imports.services.tokens import commit_token_consume, commit_token_find
from apps.imports.staging import Staging, staged_count, staged_span

REPORTED_ERRORS = 100
logger = logging.getLogger("timeledger.imports")


class RetryableMergeError(Exception):
    """A concurrent writer changed a row under the merge; the whole transaction is retried."""


class BatchAlreadyFinished(Exception):
    """Another run finished the batch first (a duplicate delivery); this run's work is rolled back."""


@dataclass(frozen=True)
class CommitRequest:
    batch: ImportBatch
    job: ImportJob
    replay: bool
    run_async: bool


@dataclass(frozen=True)
class CommitOutcome:
    batch: ImportBatch
    job: ImportJob
    replay: bool  # this key's batch already existed: the first result
    accepted: bool  # still running in the background (answer 202 and poll the job)


def batch_commit(
    *, member: Membership, commit_token: str, idempotency_key: str, on_error: str = "reject",
    run_async: bool | None = None, match_by_name: bool = False,
) -> CommitOutcome:  # fmt: skip
    """`POST commit`: the batch of this key, created and (small files) merged now, or queued. A batch that
    failed because of its file raises its error every time it is asked, so a retry sees the first answer;
    one that failed for a reason of ours (RETRYABLE: an unexpected error, a process that died, a broker that
    was down) runs again when retried with the same key."""
    request = batch_commit_request(
        member=member, commit_token=commit_token, idempotency_key=idempotency_key, on_error=on_error,
        run_async=run_async, match_by_name=match_by_name,
    )  # fmt: skip
    batch, job = request.batch, request.job
    if not request.replay and request.run_async:
        # A broker that is down: 503, and the batch fails with the job (a retry with the key re-runs).
        job_queue(job, on_unavailable=lambda error: batch_fail(job=job, batch=batch, error=error))
    if not request.replay and not request.run_async:
        batch = batch_commit_run(job_id=job.pk, in_request=True)
    else:
        batch.refresh_from_db()  # an eager task (or a twin) may have finished it meanwhile
    if batch.status == ImportBatch.Status.FAILED:
        raise batch_error(batch)
    accepted = batch.status == ImportBatch.Status.PENDING
    if accepted:
        job.refresh_from_db()
    return CommitOutcome(batch=batch, job=job, replay=request.replay, accepted=accepted)


def _fingerprint(*, sha256: str, mapping: dict, on_error: str, match_by_name: bool = False) -> str:
    fields = {"sha256": sha256, "mapping": mapping, "onError": on_error}
    if match_by_name:  # only when set: the batches committed before the option keep their fingerprint
        fields["matchByName"] = True
    payload = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _replay(batch: ImportBatch, fingerprint: str) -> CommitRequest:
    if batch.fingerprint != fingerprint:
        raise Conflict(
            "IDEMPOTENCY_KEY_REUSED",
            _("This idempotency key was already used for a different import; use a new key."),
            {"batchId": batch.pk},
        )
    job = ImportJob.objects.get(batch=batch)
    run_async = batch.options.get("async", False)
    if (
        batch.status == ImportBatch.Status.FAILED
        and batch.error_code in RETRYABLE
        and _batch_reset(batch, job)
    ):
        return CommitRequest(batch=batch, job=job, replay=False, run_async=run_async)
    return CommitRequest(batch=batch, job=job, replay=True, run_async=run_async)


def _batch_reset(batch: ImportBatch, job: ImportJob) -> bool:
    """Make a batch that failed for a reason of ours pending again, with its job queued; False when a
    concurrent retry did it first (that one runs it)."""
    with transaction.atomic():
        reset = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.FAILED, error_code__in=RETRYABLE
        ).update(status=ImportBatch.Status.PENDING, error_code="", error_message="", error_details={},
                 completed_at=None)  # fmt: skip
        if not reset:
            return False
        job_reset(job)
        audit_record(
            action="imports.batch.retry",
            actor=job.created_by,
            organization=job.organization,
            target=batch,
            details={"previousCode": batch.error_code},
        )
    batch.refresh_from_db()
    job.refresh_from_db()
    return True


def batch_commit_request(
    *, member: Membership, commit_token: str, idempotency_key: str, on_error: str = "reject", run_async=None,
    match_by_name: bool = False,
) -> CommitRequest:  # fmt: skip
    """Create the batch for a commit, or return the one this key already made (same payload). The
    caller has validated the key (1-128 of letters, digits, . _ : -) and onError (reject or skip)."""
    token = commit_token_find(member=member, raw=commit_token)
    fingerprint = _fingerprint(
        sha256=token.upload.sha256, mapping=token.mapping, on_error=on_error, match_by_name=match_by_name
    )
    batches = ImportBatch.objects.for_org(member.organization)
    existing = batches.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    upload = token.upload
    asynchronous = (
        bool(run_async) if run_async is not None else upload.line_count > settings.IMPORT_SYNC_MAX_ROWS
    )
    try:
        with transaction.atomic():
            try:
                token = commit_token_consume(member=member, token=token)
            except Conflict:
                # A concurrent twin of this request consumed the token: answer with its batch.
                existing = batches.filter(idempotency_key=idempotency_key).first()
                if existing is not None:
                    return _replay(existing, fingerprint)
                raise
            now = timezone.now()
            batch = ImportBatch.objects.create(
                organization=member.organization,
                created_by=member.user,
                upload=upload,
                filename=upload.filename,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                options={
                    "mapping": token.mapping,
                    "on_error": on_error,
                    "async": asynchronous,
                    "match_by_name": match_by_name,
                },
                created_at=now,
            )
            job = job_create(
                member=member, kind=ImportJob.Kind.COMMIT, upload=upload, batch=batch, created_at=now
            )
    except IntegrityError:
        # The unique (organization, key) constraint caught a concurrent duplicate: re-read its batch.
        existing = batches.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return CommitRequest(batch=batch, job=job, replay=False, run_async=asynchronous)


def batch_commit_run(*, job_id: int, in_request: bool = False, reraise: tuple = ()) -> ImportBatch:
    """Do a commit job's work. Safe to call again for the same job at any time.

    `in_request`: the caller is answering an HTTP request (a synchronous commit), which then does not wait
    for the tables' statistics to be refreshed: a task does that (imports.statistics_refresh).
    Any exception fails the job and the batch (an unexpected one as IMPORT_FAILED, logged), except those
    of `reraise` (the task's retry of a lost database connection)."""
    job = ImportJob.objects.select_related("batch", "upload", "organization", "created_by").get(pk=job_id)
    batch = job.batch
    if batch.status != ImportBatch.Status.PENDING:
        return batch
    started = job_start(job)
    try:
        with job_heartbeat(job):
            for attempt in range(3):
                try:
                    written, items = _validate_and_merge(job=job, batch=batch, started=started)
                    statistics.refresh_after_merge(records=written, items=items, in_request=in_request)
                    break
                except RetryableMergeError:
                    if attempt == 2:
                        raise
    except BatchAlreadyFinished:
        pass
    except DomainError as error:
        batch_fail(job=job, batch=batch, error=error)
    except Exception as error:
        if isinstance(error, reraise):
            raise
        logger.exception("import commit job %s failed", job.pk)
        _usable_connection()
        batch_fail(job=job, batch=batch, error=unexpected_failure())
    finally:
        _drop_staging()
    batch.refresh_from_db()
    return batch


def _usable_connection() -> None:
    """After a database error the connection may be broken; a fresh one records the failure."""
    if connection.in_atomic_block:
        return
    connection.close_if_unusable_or_obsolete()


def _drop_staging() -> None:
    try:
        Staging.drop()
    except Exception:  # a broken connection: its temporary tables went with it
        logger.warning("staging tables not dropped", exc_info=True)


def _validate_and_merge(*, job: ImportJob, batch: ImportBatch, started: float) -> tuple[int, int]:
    """Validate, stage and merge; returns how many records and items were written."""
    organization = job.organization
    options = batch.options
    progress = job_progress_reporter(job)
    upload = job.upload
    if upload is None:
        raise Unprocessable("UPLOAD_NOT_FOUND", _("The upload of this batch no longer exists."))
    upload_ensure_live(upload)
    mapping = options.get("mapping", {})
    match_by_name = options.get("match_by_name", False)
    members = MemberIndex(organization)
    kept = _validated_set_for(upload=upload, mapping=mapping, members=members, match_by_name=match_by_name)
    if kept is not None:
        result = PassResult.from_kept(kept.result)
        table = kept.table
        progress(result.total_rows)
    else:
        staging = Staging(with_rejects=True)
        with metrics.import_phase("validate"):
            result = run_pass(
                upload=upload, organization=organization, mapping=mapping, staging=staging,
                on_progress=progress, members=members, match_by_name=match_by_name,
            )  # fmt: skip
        metrics.import_rows(phase="validate", counts={"valid": result.valid, "invalid": result.invalid})
        table = staging.table
    if result.invalid and options.get("on_error", "reject") == "reject":
        raise Unprocessable(
            "IMPORT_ROWS_INVALID",
            _(
                "%(invalid)s of %(total)s rows are not valid; nothing was imported. Fix them "
                "(see errors) or commit with onError=skip to import the valid rows only."
            )
            % {"invalid": result.invalid, "total": result.total_rows},
            {"summary": result.summary(), "errors": result.errors[:REPORTED_ERRORS]},
        )
    job_progress(job, result.total_rows, phase="merging")
    statistics.ensure_member_statistics()
    now = timezone.now()
    with metrics.import_phase("merge"), transaction.atomic():
        merge.lock_organization(organization.pk)
        if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).count() == 0:
            raise BatchAlreadyFinished
        merged, races = merge.merge_staging(
            batch_id=batch.pk, organization_id=organization.pk, now=now, table=table
        )
        if races:
            raise RetryableMergeError
        counts = {**merged, **merge.store_rejects(batch_id=batch.pk, table=table)}
        audit_record(
            action="imports.batch.commit",
            actor=job.created_by,
            organization=organization,
            target=batch,
            details={"rows": result.total_rows, **counts, "validatedBy": "preview" if kept else "commit"},
        )
        finished = timezone.now()
        done = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
            status=ImportBatch.Status.COMPLETED,
            total_rows=result.total_rows,
            created_count=counts["created"],
            updated_count=counts["updated"],
            unchanged_count=counts["unchanged"],
            skipped_count=counts["skipped"],
            failed_count=counts["failed"],
            options={**options, "headers": result.detection.headers},  # for errors.csv
            completed_at=finished,
        )
        if not done:
            raise BatchAlreadyFinished
        event_emit(
            organization=organization,
            type="import_batch.completed",
            subject=f"import_batch:{batch.pk}",
            data={"batchId": batch.pk, "rows": result.total_rows, **counts},
        )
        job_finish(
            job,
            rows=result.total_rows,
            result={
                "batch_id": batch.pk,
                "summary": result.summary(),
                **counts,
                # "preview": the rows a preview of this upload validated were merged (no second pass).
                "validated_by": "preview" if kept else "commit",
            },
            started=started,
            finished_at=finished,
        )
    # Counted once the merge committed (a rolled-back attempt is retried and counted then).
    merged = {key: counts.get(key, 0) for key in ("created", "updated", "unchanged", "skipped")}
    metrics.import_rows(phase="merge", counts=merged)
    written = counts["created"] + counts["updated"]
    return written, written + counts["skipped"] + counts["failed"]  # unchanged lines write no item


def _locked_since(kept: ValidatedSet, organization_id: int) -> bool:
    span = staged_span(table=kept.table)
    return span is not None and attendance_hooks.any_lock_between(
        organization_id=organization_id, start=span[0], end=span[1]
    )


def _validated_set_for(
    *, upload, mapping: dict, members: MemberIndex, match_by_name: bool
) -> ValidatedSet | None:
    """The newest complete preview of this upload that validated it exactly as this commit would, if its
    tables still hold every row it recorded."""
    key = validation_key(
        organization=upload.organization, mapping=mapping, members=members, match_by_name=match_by_name
    )
    kept = (
        ValidatedSet.objects.filter(upload=upload, key=key, completed_at__isnull=False)
        .order_by("-id")
        .first()
    )
    if kept is None:
        return None
    expected = kept.result
    if expected.get("locked") or _locked_since(kept, upload.organization_id):
        return None  # rows were left out for a lock, or a lock came after the preview: validate afresh
    if staged_count(table=kept.table) != expected.get("valid") or staged_count(
        table=kept.rejects_table
    ) != expected.get("rejected"):
        return None
    return kept


def batch_fail(*, job: ImportJob, batch: ImportBatch, error: DomainError) -> None:
    """A pending batch and its job failed with `error` (one audit line); nothing if it finished already."""
    with transaction.atomic():
        failed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
            status=ImportBatch.Status.FAILED,
            error_code=error.code,
            error_message=error.message[:500],
            error_details={**error.details, "httpStatus": error.status_code},
            completed_at=timezone.now(),
        )
        if not failed:
            return
        job_fail(job, error, result={"batch_id": batch.pk})
        audit_record(
            action="imports.batch.commit",
            actor=job.created_by,
            organization=job.organization,
            target=batch,
            result="failed",
            details={"code": error.code},
        )


def batch_error(batch: ImportBatch) -> DomainError:
    """The error a failed batch answers with, every time it is asked (a retry sees the first result)."""
    details = dict(batch.error_details)
    status = details.pop("httpStatus", 422)
    error = DomainError(batch.error_code, batch.error_message, {**details, "batchId": batch.pk})
    error.status_code = status
    return error
