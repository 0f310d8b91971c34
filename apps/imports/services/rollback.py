"""Rollback: put the records back exactly as they were before a batch, or refuse when someone changed
them since (a newer batch, an approved adjustment, a punch: each raises the record's version)."""

from datetime import date

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.access.models import Membership
from apps.attendance import hooks as attendance_hooks
from apps.audit.services import audit_record
from apps.audit.webhooks.events import event_emit
from apps.core import metrics
from apps.core.errors import Conflict
from apps.imports import merge, statistics, undo
from apps.imports.models import ImportBatch, ImportItem

CHANGED_OUTCOMES = (ImportItem.Outcome.CREATED, ImportItem.Outcome.UPDATED)


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
        _ensure_unlocked(batch)
        # Not planned on row counts from before the commit (a nested loop over the batch: 500 s for 10,000
        # rows was seen).
        statistics.refresh_before_rollback(
            records=batch.created_count + batch.updated_count,
            items=batch.created_count + batch.updated_count + batch.skipped_count + batch.failed_count,
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
        _("%(member)s on %(date)s")
        % {
            "member": r["member_name"] or r["member_id"],
            "date": date_format(date.fromisoformat(r["work_date"]), "DATE_FORMAT"),
        }
        for r in records[:5]
    ) + (", ..." if count > 5 else "")
    # Rolled back newest first: name the later batches, else say the records were changed by hand.
    later = sorted(
        {r["source_batch_id"] for r in records if r["source_batch_id"] and r["source_batch_id"] != batch.pk},
        reverse=True,
    )
    if later:
        message = ngettext(
            "Roll back batch #%(batches)s first: it changed %(count)s record(s) of this batch (%(records)s).",
            "Roll back batches #%(batches)s first, newest first: they changed %(count)s record(s) of this "
            "batch (%(records)s).",
            len(later),
        ) % {"batches": ", #".join(str(pk) for pk in later), "count": count, "records": who}
    else:
        message = _(
            "%(count)s record(s) of this batch were changed since by a punch, an approved correction or an "
            "administrator (%(records)s), so it can no longer be rolled back. Correct those days one by one "
            "instead."
        ) % {"count": count, "records": who}
    raise Conflict("BATCH_SUPERSEDED", message, {"count": count, "records": records, "laterBatchIds": later})


def _ensure_unlocked(batch: ImportBatch) -> None:
    """A rollback changes the batch's days: refuse when some are in a locked payroll period, and name it."""
    span = ImportItem.objects.filter(batch_id=batch.pk, outcome__in=CHANGED_OUTCOMES).aggregate(
        first=Min("work_date"), last=Max("work_date")
    )
    if span["first"] is None or not attendance_hooks.any_lock_between(
        organization_id=batch.organization_id, start=span["first"], end=span["last"]
    ):
        return
    pairs = set(
        ImportItem.objects.filter(batch_id=batch.pk, outcome__in=CHANGED_OUTCOMES).values_list(
            "member_id", "work_date"
        )
    )
    locked = (
        attendance_hooks.locked_pairs(
            organization_id=batch.organization_id,
            member_ids={member for member, _day in pairs},
            dates={day for _member, day in pairs},
        )
        & pairs
    )
    if not locked:
        return
    days = sorted({day for _member, day in locked})
    periods = attendance_hooks.locked_period_names(organization_id=batch.organization_id, dates=days)
    if periods:
        message = ngettext(
            "Reopen payroll cycle %(cycles)s first: %(count)s day(s) of this batch are in it, and a locked "
            "cycle's attendance cannot change.",
            "Reopen payroll cycles %(cycles)s first: %(count)s day(s) of this batch are in them, and a "
            "locked cycle's attendance cannot change.",
            len(periods),
        ) % {"cycles": ", ".join(periods), "count": len(days)}
    else:
        message = _(
            "%(count)s day(s) of this batch are in a locked period: unlock it first, then roll back."
        ) % {"count": len(days)}
    raise Conflict("PERIOD_LOCKED", message, {"dates": [day.isoformat() for day in days], "cycles": periods})
