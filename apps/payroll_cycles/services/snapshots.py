"""Settlement snapshots: the summary of every member as of a close, hashed, never changed."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder

from apps.payroll_cycles.models import PayrollCycle, SettlementSnapshot
from apps.payroll_cycles.summary import cycle_summary

SNAPSHOT_BATCH = 2000


@dataclass(frozen=True)
class Written:
    version: int
    members: int
    digest: str


def canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def snapshot_write(*, cycle: PayrollCycle, now: datetime) -> Written:
    """Version `cycle.snapshot_version + 1` of every member's summary (the caller holds the cycle's lock).
    Returns the version, the member count and the SHA-256 over the members' hashes in member order."""
    version = cycle.snapshot_version + 1
    rows = cycle_summary(cycle=cycle)
    overall = hashlib.sha256()
    snapshots = []
    for row in rows:
        text = canonical(row)
        digest = hashlib.sha256(text.encode()).hexdigest()
        overall.update(digest.encode())
        snapshots.append(
            SettlementSnapshot(
                organization_id=cycle.organization_id,
                cycle_id=cycle.pk,
                member_id=row["member_id"],
                version=version,
                data=row,
                data_hash=digest,
                created_at=now,
            )
        )
    SettlementSnapshot.objects.bulk_create(snapshots, batch_size=SNAPSHOT_BATCH)
    return Written(version=version, members=len(snapshots), digest=overall.hexdigest())
