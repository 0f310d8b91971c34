"""Rollback: put the records back exactly as they were before a batch, or refuse when someone changed
them since (a newer batch, an approved adjustment, a punch: each raises the record's version)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.audit.services import audit_record
from apps.audit.webhooks.events import event_emit
from apps.core import metrics
from apps.core.errors import Conflict
from apps.imports import merge, statistics, undo
from apps.imports.models import ImportBatch


def batch_rollback(*, member: Membership, batch: ImportBatch) -> ImportBatch:
    """Undo a completed batch. Rolling back a rolled-back batch returns it unchanged (safe to retry)."""
    with metrics.import_phase("rollback"), transaction.atomic():
        merge.lock_organization(batch.organization_id)
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.ROLLED_BACK:
            return batch
        if batch.status != ImportBatch.Status.COMPLETED:
            raise Conflict(
                "BATCH_NOT_ROLLBACKABLE",
                _("Only a completed batch can be rolled back; this one is %(status)s.")
                % {"status": batch.status},
                {"status": batch.status},
            )
        # Not planned on row counts from before the commit (a nested loop over the batch: 500 s for 10,000
        # rows was seen).
        statistics.refresh_before_rollback(
            records=batch.created_count + batch.updated_count,
            items=batch.total_rows,
            completed_at=batch.completed_at,
        )
        # Undo first and look for later changes only when the counts say there are some: every record
        # the batch created or updated is touched only if its version is still the batch's, so full
        # counts prove nothing changed since, and the common case skips a pass over the items.
        with transaction.atomic():
            deleted, restored = undo.undo(batch_id=batch.pk, now=timezone.now())
            complete = deleted == batch.created_count and restored == batch.updated_count
            if not complete:
                transaction.set_rollback(True)
        if not complete:
            _ensure_not_superseded(batch)
            # A record changed between the check and the write: refuse rather than undo part of the batch.
            raise Conflict(
                "BATCH_SUPERSEDED", _("Records of this batch changed while rolling back; try again.")
            )
        batch.status = ImportBatch.Status.ROLLED_BACK
        batch.rolled_back_at = timezone.now()
        batch.rolled_back_by = member.user
        batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
        audit_record(
            action="imports.batch.rollback",
            actor=member,
            target=batch,
            details={"deleted": deleted, "restored": restored},
        )
        event_emit(
            organization=batch.organization,
            type="import_batch.rolled_back",
            subject=f"import_batch:{batch.pk}",
            data={"batchId": batch.pk, "deleted": deleted, "restored": restored},
        )
        statistics.vacuum_after_rollback(rows=deleted + restored)
        metrics.import_rows(phase="rollback", counts={"restored": deleted + restored})
    return batch


def _ensure_not_superseded(batch: ImportBatch) -> None:
    rows, count = undo.superseded_records(batch_id=batch.pk)
    if not count:
        return
    names = dict(
        Membership.objects.for_org(batch.organization)
        .filter(pk__in={row[1] for row in rows})
        .values_list("pk", "display_name")
    )
    records = [
        {
            "record_id": record_id,
            "member_id": member_id,
            "member_name": names.get(member_id, ""),
            "work_date": str(work_date),
            "state": "deleted" if version is None else "changed",
            "source": source or "",
            "source_batch_id": source_batch_id,
        }
        for record_id, member_id, work_date, version, source, source_batch_id in rows
    ]
    who = ", ".join(
        _("%(member)s on %(date)s") % {"member": r["member_name"] or r["member_id"], "date": r["work_date"]}
        for r in records[:5]
    )
    raise Conflict(
        "BATCH_SUPERSEDED",
        _(
            "%(count)s record(s) of this batch changed after it (%(records)s); roll back the later change first."
        )
        % {"count": count, "records": who + (", ..." if count > 5 else "")},
        {"count": count, "records": records},
    )
