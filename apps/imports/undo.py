# SQL here is assembled from constants (ours and attendance's records_sql); every value is a parameter.
# ruff: noqa: S608
"""The rollback's SQL: delete the records a batch created and restore those it updated from the items'
snapshots, each only while its version is still the one the batch left; and find the records changed
since. Called inside the rollback service's transaction (services/rollback.py)."""

from django.db import connection

from apps.attendance import records_sql as records
from apps.imports.merge import ITEMS

_CHANGED = f"""
FROM {ITEMS} i LEFT JOIN {records.TABLE} d ON d.{records.ID} = i.record_id
WHERE i.batch_id = %s AND i.outcome IN ('created', 'updated')
  AND (d.{records.ID} IS NULL OR d.{records.VERSION} <> i.version_after)
"""
_SUPERSEDED = f"""
SELECT i.record_id, i.member_id, i.work_date, d.{records.VERSION}, d.{records.SOURCE}, d.{records.SOURCE_BATCH}
{_CHANGED}
ORDER BY i.line
LIMIT %s
"""
_SUPERSEDED_COUNT = f"SELECT count(*) {_CHANGED}"
_DELETE_CREATED = records.delete_created(
    created=f"SELECT record_id, version_after FROM {ITEMS} WHERE batch_id = %s AND outcome = 'created'"
)
_RESTORE_UPDATED = f"""
{records.restore(alias="d", snapshot="i", prefix="prev_", now="%s")}
FROM {ITEMS} i
WHERE i.batch_id = %s AND i.outcome = 'updated' AND d.{records.ID} = i.record_id
  AND d.{records.VERSION} = i.version_after
"""


def superseded_records(*, batch_id: int, limit: int = 50) -> tuple[list[tuple], int]:
    """Up to `limit` records of the batch changed or deleted since (record id, member id, work date,
    version or None, source, source batch), and how many there are."""
    with connection.cursor() as cursor:
        cursor.execute(_SUPERSEDED, [batch_id, limit])
        rows = cursor.fetchall()
        if not rows:
            return [], 0
        cursor.execute(_SUPERSEDED_COUNT, [batch_id])
        return rows, cursor.fetchone()[0]


def undo(*, batch_id: int, now) -> tuple[int, int]:
    """Delete the records the batch created and restore those it updated, each only if no one changed
    it since. Returns (deleted, restored) for the caller to compare with what the batch did."""
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_CREATED, [batch_id])
        deleted = cursor.rowcount
        cursor.execute(_RESTORE_UPDATED, [connection.ops.adapt_datetimefield_value(now), batch_id])
        restored = cursor.rowcount
    return deleted, restored
