"""Retention's purge: each organization's policy (apps.access.retention, set by its admins) applied.

The purge deletes the oldest operation-log entries of each chain in batches and moves the
chain's anchor to the last entry removed, so `audit_verify` still passes; it records what it removed as an
`audit.log.purge` entry. Attendance data is purged by whatever the attendance app registers in
apps.audit.hooks; with nothing registered it is only reported.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.access.models import Organization
from apps.access.retention import retention_policy
from apps.audit.chain import locked_head
from apps.audit.hooks import retention_purgers
from apps.audit.models import GLOBAL_CHAIN, OperationLog, chain_key
from apps.audit.services import audit_record
from apps.core import metrics

PURGE_BATCH = 1000


@dataclass
class ChainPurge:
    chain: str
    organization: str
    cutoff: datetime
    days: int
    removed: int = 0
    through_sequence: int | None = None
    attendance: dict = field(default_factory=dict)


def _purge_chain(
    *, chain: str, cutoff: datetime, dry_run: bool, batch_size: int
) -> tuple[int, int | None, str]:
    """Remove the chain's oldest entries written before `cutoff`, oldest first, a batch per transaction.
    Only a prefix of the chain goes: an old-dated entry after a newer one stays until everything before it
    has gone, so the remaining entries are always a contiguous chain from the anchor."""
    entries = OperationLog.objects.filter(chain=chain, sequence__isnull=False)  # unsealed ones wait
    stop = (
        entries.filter(created_at__gte=cutoff).order_by("sequence").values_list("sequence", flat=True).first()
    )
    doomed = entries if stop is None else entries.filter(sequence__lt=stop)
    if dry_run:
        return doomed.count(), None, ""
    removed, through, anchor_hash = 0, None, ""
    while True:
        with transaction.atomic():
            head = locked_head(chain)
            batch = list(doomed.order_by("sequence").values_list("id", "sequence", "entry_hash")[:batch_size])
            if not batch:
                break
            OperationLog.objects.filter(id__in=[row[0] for row in batch]).delete()
            _last_id, through, anchor_hash = batch[-1]
            head.anchor_sequence, head.anchor_hash = through, anchor_hash
            head.save(update_fields=["anchor_sequence", "anchor_hash", "updated_at"])
            removed += len(batch)
    return removed, through, anchor_hash


def audit_retention_run(
    *,
    dry_run: bool = False,
    organization: Organization | None = None,
    now: datetime | None = None,
    batch_size: int = PURGE_BATCH,
) -> list[ChainPurge]:
    """Apply every organization's retention (or one's). Safe to run again: a second run finds nothing."""
    now = now or timezone.now()
    targets: list[Organization | None] = (
        [organization] if organization else [*Organization.objects.order_by("id"), None]
    )
    results = []
    for org in targets:
        policy = retention_policy(org)
        chain = chain_key(org.pk if org else None)
        cutoff = now - timedelta(days=policy.operation_log_days)
        result = ChainPurge(chain, org.slug if org else GLOBAL_CHAIN, cutoff, policy.operation_log_days)
        result.removed, result.through_sequence, anchor_hash = _purge_chain(
            chain=chain, cutoff=cutoff, dry_run=dry_run, batch_size=batch_size
        )
        if org is not None:
            attendance_cutoff = now - timedelta(days=policy.attendance_days)
            purgers = retention_purgers()
            result.attendance = {
                "days": policy.attendance_days,
                "cutoff": attendance_cutoff.isoformat(),
                "removed": {
                    name: purger(
                        organization=org, cutoff=attendance_cutoff, dry_run=dry_run, batch_size=batch_size
                    )
                    for name, purger in purgers.items()
                },
                "purgers": sorted(purgers),
            }
        if not dry_run and (result.removed or any(result.attendance.get("removed", {}).values())):
            audit_record(
                action="audit.log.purge",
                organization=org,
                actor_label="system:retention",
                target_type="audit.operationlog",
                details={
                    "removed": result.removed,
                    "throughSequence": result.through_sequence,
                    "anchorHash": anchor_hash,
                    "cutoff": cutoff,
                    "days": policy.operation_log_days,
                    "attendance": result.attendance,
                },
            )
        results.append(result)
    if not dry_run and organization is None:
        # Every organization's retention ran to the end: the retention-staleness alert reads this.
        metrics.run_succeeded("retention")
    return results
