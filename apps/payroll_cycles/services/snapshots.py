# SQL here is assembled from this module's and sql.py's constants; every value travels as a parameter.
# ruff: noqa: S608
"""Settlement snapshots: the summary of every member as of a close, hashed, never changed.

A snapshot's `data` is the member's summary row and `data_hash` the SHA-256 of its canonical JSON (keys
sorted, no spaces, UTF-8 as is: `canonical()`); the close's audit entry holds the SHA-256 over the members'
hashes in member order. On PostgreSQL one INSERT ... SELECT writes them all from the summary statement,
which spells the canonical JSON itself (keys in the same sorted order, strings through to_json, whose
escapes are json.dumps's with ensure_ascii off) and hashes it with sha256(); no row passes through Python.
Elsewhere the rows of the ORM path are hashed here and bulk-inserted."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from apps.payroll_cycles.models import PayrollCycle, SettlementSnapshot
from apps.payroll_cycles.summary import cycle_summary, sql, sql_query, use_sql
from apps.payroll_cycles.summary.sql import STATUSES

SNAPSHOT_BATCH = 2000


@dataclass(frozen=True)
class Written:
    version: int
    members: int
    digest: str


def canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def _json_text(key: str) -> str:
    return f"to_json({key})::text"


# Each key of a summary row (summary.shape()) as SQL text over sql.py's `summary` columns.
_COUNTS = " || ',' || ".join(f"'\"{s}\":' || count_{s}" for s in sorted(STATUSES))
_VALUES = {
    "member_id": "member_id::text",
    "username": _json_text("username"),
    "employee_no": _json_text("employee_no"),
    "name": _json_text("name"),
    "total_minutes": "worked_minutes::text",
    "overtime_minutes": "(workday_overtime_minutes + restday_overtime_minutes + holiday_overtime_minutes)::text",
    "counts": f"'{{' || {_COUNTS} || '}}'",
    "absent_days": "count_absent::text",
    "leave_by_type": "leave_by_type_canonical",
}
_KEYS = (
    "total_days", "worked_minutes", "regular_minutes", "workday_overtime_minutes", "restday_overtime_minutes",
    "holiday_overtime_minutes", "weighted_overtime_minutes", "late_count", "late_minutes", "early_leave_count",
    "early_leave_minutes", "leave_minutes", "open_anomalies", *_VALUES,
)  # fmt: skip
CANONICAL_SQL = (
    "'{' || "
    + " || ',' || ".join(f"'\"{key}\":' || {_VALUES.get(key, f'{key}::text')}" for key in sorted(_KEYS))
    + " || '}'"
)
_CANONICAL_FORMAT = CANONICAL_SQL.replace("{", "{{").replace("}", "}}")  # sql.statement() formats the text
# The SELECT after the summary's CTEs: one snapshot row per member, then the count and the overall hash.
SNAPSHOT_SELECT = f"""
, snap AS (
    SELECT member_id, employee_no, username, canonical,
           encode(sha256(convert_to(canonical, 'UTF8')), 'hex') AS digest
    FROM (SELECT member_id, employee_no, username, {_CANONICAL_FORMAT} AS canonical FROM summary) c
),
written AS (
    INSERT INTO payroll_cycles_settlementsnapshot
        (organization_id, cycle_id, member_id, version, data, data_hash, created_at)
    SELECT %(org)s, %(cycle)s, member_id, %(version)s, canonical::jsonb, digest, %(now)s FROM snap
)
SELECT count(*), encode(sha256(convert_to(
    COALESCE(string_agg(digest, '' ORDER BY employee_no, username, member_id), ''), 'UTF8')), 'hex')
FROM snap
"""


def snapshot_write(*, cycle: PayrollCycle, now: datetime) -> Written:
    """Version `cycle.snapshot_version + 1` of every member's summary (the caller holds the cycle's lock).
    Returns the version, the member count and the SHA-256 over the members' hashes in member order."""
    version = cycle.snapshot_version + 1
    if use_sql():
        statement, params = sql.statement(
            select=SNAPSHOT_SELECT,
            member_ids=None,
            params={"cycle": cycle.pk, "version": version, "now": now},
            **sql_query(cycle=cycle, member_ids=None),
        )
        with transaction.atomic(), connection.cursor() as cursor:
            sql.prepare(cursor, full=True)
            cursor.execute(statement, params)
            members, digest = cursor.fetchone()
        return Written(version=version, members=members, digest=digest)
    rows = cycle_summary(cycle=cycle)
    overall = hashlib.sha256()
    snapshots = []
    for row in rows:
        digest = hashlib.sha256(canonical(row).encode()).hexdigest()
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
