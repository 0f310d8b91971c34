"""Attendance-data retention: the purger `manage.py audit_retention` runs for each organization.

Deleted once older than the organization's `attendanceDays` (work dates before the cutoff, read in the
organization's timezone): punches, daily records, decided adjustment, overtime and leave requests, and leave ledger
entries. Pending requests stay whatever their age: someone still has to decide them. A balance is the sum of
its ledger entries, so the deleted entries' sum is carried, in the same transaction, into one `carry_forward`
entry per member and leave type dated on the cutoff: no balance moves.

Locked payroll periods are not spared: a lock stops edits to figures payroll has paid, while retention ends
the duty to keep them; past the retention period (7 years by default, the statutory minimum for payroll
records) nothing needs them any more. See docs/privacy.md.

Each table is emptied oldest first in batches of `batch_size` rows, one transaction per batch, so a long
purge never holds long locks; an interrupted run leaves whole batches behind and the next run carries on.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q

from apps.access.models import Organization
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    OvertimeRequest,
    Punch,
    RequestStatus,
)
from apps.audit.hooks import register_retention_purger
from apps.audit.services import audit_record

DECIDED = ~Q(status=RequestStatus.PENDING)


def _expired(organization: Organization, cutoff_date: date) -> dict:
    """The querysets of rows past retention, in the order they must go (ledger entries protect their
    leave request, so they go first)."""
    org = {"organization": organization}
    return {
        "punches": Punch.objects.filter(work_date__lt=cutoff_date, **org),
        "daily_records": DailyRecord.objects.filter(work_date__lt=cutoff_date, **org),
        "adjustment_requests": AdjustmentRequest.objects.filter(DECIDED, work_date__lt=cutoff_date, **org),
        "overtime_requests": OvertimeRequest.objects.filter(DECIDED, work_date__lt=cutoff_date, **org),
        "leave_ledger_entries": LeaveLedgerEntry.objects.filter(effective_date__lt=cutoff_date, **org),
        "leave_requests": LeaveRequest.objects.filter(DECIDED, end_date__lt=cutoff_date, **org).filter(
            ledger_entries__isnull=True
        ),
    }


RETENTION_SETTING = "timeledger.retention_purge"


def _mark_retention() -> None:
    """Tell database rules that this transaction deletes data past retention: a locked payroll period's
    trigger (payroll_cycles, migration 0002) lets such deletes through, as the lock hook's callers do here."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [RETENTION_SETTING])


def _delete_in_batches(queryset, batch_size: int) -> int:
    removed = 0
    model = queryset.model
    while True:
        with transaction.atomic():
            _mark_retention()
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return removed
            removed += model.objects.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)


def _delete_ledger_in_batches(queryset, batch_size: int, cutoff_date: date) -> int:
    """Like _delete_in_batches, but each batch's amounts move into the carry-forward entries first."""
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.order_by("pk").values_list(
                    "pk", "organization_id", "member_id", "leave_type_id", "amount"
                )[:batch_size]
            )
            if not batch:
                return removed
            carried: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
            for _pk, organization_id, member_id, leave_type_id, amount in batch:
                carried[(organization_id, member_id, leave_type_id)] += amount
            LeaveLedgerEntry.objects.filter(pk__in=[row[0] for row in batch]).delete()
            for (organization_id, member_id, leave_type_id), amount in carried.items():
                entry, created = LeaveLedgerEntry.objects.select_for_update().get_or_create(
                    organization_id=organization_id,
                    member_id=member_id,
                    leave_type_id=leave_type_id,
                    kind=LeaveLedgerEntry.Kind.CARRY_FORWARD,
                    effective_date=cutoff_date,
                    defaults={
                        "amount": amount,
                        "note": f"Balance of entries before {cutoff_date.isoformat()}",
                    },
                )
                if not created:
                    LeaveLedgerEntry.objects.filter(pk=entry.pk).update(amount=F("amount") + amount)
            removed += len(batch)


def attendance_purge(*, organization: Organization, cutoff: datetime, dry_run: bool, batch_size: int) -> int:
    """Delete (or, in a dry run, count) the organization's attendance rows past retention."""
    cutoff_date = cutoff.astimezone(organization.tzinfo).date()
    expired = _expired(organization, cutoff_date)
    if dry_run:
        # A leave request goes once its ledger entries have, and this run deletes the old ones first.
        expired["leave_requests"] = LeaveRequest.objects.filter(
            DECIDED, organization=organization, end_date__lt=cutoff_date
        ).exclude(ledger_entries__effective_date__gte=cutoff_date)
        return sum(queryset.count() for queryset in expired.values())
    counts = {
        name: _delete_ledger_in_batches(queryset, batch_size, cutoff_date)
        if name == "leave_ledger_entries"
        else _delete_in_batches(queryset, batch_size)
        for name, queryset in expired.items()
    }
    total = sum(counts.values())
    if total:
        audit_record(
            action="attendance.data.purge",
            organization=organization,
            actor_label="system:retention",
            details={"counts": counts, "cutoff": cutoff.isoformat()},
        )
    return total


# Imported once from AppConfig.ready().
register_retention_purger("attendance", attendance_purge)
