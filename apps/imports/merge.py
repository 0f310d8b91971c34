# SQL here is assembled from this module's constants only; every value travels as a parameter.
# ruff: noqa: S608
"""The set-based heart of the pipeline: merge the staging table into the daily records, write the rollback
snapshot with it, and undo a batch. Called inside one transaction by the services; no per-row ORM work.

PostgreSQL merges with one statement: a data-modifying CTE reads the old rows, `INSERT ... ON CONFLICT`
writes the new ones and the items (with the old values) are inserted from both. SQLite has no
data-modifying CTEs, so it takes the same three steps one by one, with the same results.

Every write bumps `version` (the contract with attendance); a rollback restores the snapshot's version,
so batches rolled back newest first each see exactly the state they left.
"""

from django.db import connection

from apps.imports.staging import RECORDS_IN_RANGE, REJECTS, STAGING, rejects_table_of

VALUES = "first_in_at, last_out_at, worked_minutes, late_minutes, early_leave_minutes, status, note"
_PREV = (
    "prev_first_in_at, prev_last_out_at, prev_worked_minutes, prev_late_minutes, prev_early_leave_minutes, "
    "prev_status, prev_source, prev_source_batch_id, prev_note, prev_version"
)
_ITEM_COLUMNS = (
    "batch_id, line, status, outcome, record_id, member_id, work_date, error_code, error_message, raw, "
    f"version_after, {_PREV}"
)
_OLD_VALUES = (
    "o.first_in_at, o.last_out_at, o.worked_minutes, o.late_minutes, o.early_leave_minutes, "
    "COALESCE(o.status, ''), COALESCE(o.source, ''), o.source_batch_id, COALESCE(o.note, ''), o.version"
)
_SELECT_OLD = f"""
    SELECT s.line, s.member_id, s.work_date, d.id, d.first_in_at, d.last_out_at, d.worked_minutes,
           d.late_minutes, d.early_leave_minutes, d.status, d.source, d.source_batch_id, d.note, d.version
    FROM {STAGING} s
    LEFT JOIN {RECORDS_IN_RANGE.format(table=STAGING)} d ON d.member_id = s.member_id AND d.work_date = s.work_date
"""
_INSERT_NEW = f"""
    INSERT INTO attendance_dailyrecord AS d (organization_id, member_id, work_date, {VALUES},
        source, source_batch_id, version, created_at, updated_at)
    SELECT %(org)s, s.member_id, s.work_date, s.first_in_at, s.last_out_at, s.worked_minutes, s.late_minutes,
           s.early_leave_minutes, s.status, s.note, 'import', %(batch)s, 1, %(now)s, %(now)s
    FROM {STAGING} s WHERE true
    ON CONFLICT (member_id, work_date) DO UPDATE SET
        first_in_at = excluded.first_in_at, last_out_at = excluded.last_out_at,
        worked_minutes = excluded.worked_minutes, late_minutes = excluded.late_minutes,
        early_leave_minutes = excluded.early_leave_minutes, status = excluded.status, note = excluded.note,
        source = 'import', source_batch_id = excluded.source_batch_id, version = d.version + 1,
        updated_at = excluded.updated_at
    WHERE ({{old}}) {{distinct}} (excluded.first_in_at, excluded.last_out_at, excluded.worked_minutes,
        excluded.late_minutes, excluded.early_leave_minutes, excluded.status, excluded.note)
"""
_DIFFERS = {"postgresql": "IS DISTINCT FROM", "sqlite": "IS NOT"}
_OLD_TUPLE = (
    "d.first_in_at, d.last_out_at, d.worked_minutes, d.late_minutes, d.early_leave_minutes, d.status, d.note"
)

# The items' RETURNING feeds the outcome counts and the race check in the same statement, so the items
# are not read back. A row changed by someone else between our read of the old values and our write would
# leave a wrong snapshot; its version tells (created rows start at 1, updated ones are one above the
# snapshot).
_PG_MERGE = f"""
WITH old AS ({_SELECT_OLD}),
merged AS (
    {_INSERT_NEW.format(old=_OLD_TUPLE, distinct="IS DISTINCT FROM")}
    RETURNING d.id, d.member_id, d.work_date, d.version
),
items AS (
    INSERT INTO imports_importitem ({_ITEM_COLUMNS})
    SELECT %(batch)s, o.line, 'imported',
           CASE WHEN m.id IS NULL THEN 'unchanged' WHEN o.id IS NULL THEN 'created' ELSE 'updated' END,
           COALESCE(m.id, o.id), o.member_id, o.work_date, '', '', NULL, m.version, {_OLD_VALUES}
    FROM old o LEFT JOIN merged m ON m.member_id = o.member_id AND m.work_date = o.work_date
    RETURNING outcome, version_after, prev_version
)
SELECT outcome, count(*),
       count(*) FILTER (WHERE (outcome = 'created' AND version_after <> 1)
                           OR (outcome = 'updated' AND version_after <> prev_version + 1))
FROM items GROUP BY outcome
"""

_SQLITE_OLD = "import_old"
_SQLITE_STEPS = (
    f"DROP TABLE IF EXISTS {_SQLITE_OLD}",
    f"""CREATE TEMP TABLE {_SQLITE_OLD} AS
    SELECT s.line AS line, s.member_id AS member_id, s.work_date AS work_date, d.id AS id,
           d.first_in_at AS first_in_at, d.last_out_at AS last_out_at, d.worked_minutes AS worked_minutes,
           d.late_minutes AS late_minutes, d.early_leave_minutes AS early_leave_minutes, d.status AS status,
           d.source AS source, d.source_batch_id AS source_batch_id, d.note AS note, d.version AS version,
           ({_OLD_TUPLE}) IS (s.first_in_at, s.last_out_at, s.worked_minutes, s.late_minutes,
                              s.early_leave_minutes, s.status, s.note) AS same
    FROM {STAGING} s
    LEFT JOIN attendance_dailyrecord d ON d.member_id = s.member_id AND d.work_date = s.work_date""",
    _INSERT_NEW.format(old=_OLD_TUPLE, distinct="IS NOT"),
    f"""
    INSERT INTO imports_importitem ({_ITEM_COLUMNS})
    SELECT %(batch)s, o.line, 'imported',
           CASE WHEN o.id IS NULL THEN 'created' WHEN o.same THEN 'unchanged' ELSE 'updated' END,
           d.id, o.member_id, o.work_date, '', '', NULL,
           CASE WHEN o.id IS NOT NULL AND o.same THEN NULL ELSE d.version END,
           {_OLD_VALUES}
    FROM {_SQLITE_OLD} o
    JOIN attendance_dailyrecord d ON d.member_id = o.member_id AND d.work_date = o.work_date
    """,
    f"DROP TABLE {_SQLITE_OLD}",
)

_REJECTS_TO_ITEMS = f"""
INSERT INTO imports_importitem ({_ITEM_COLUMNS})
SELECT %s, line, status, '', NULL, NULL, NULL, error_code, error_message, {{raw}}, NULL,
       NULL, NULL, NULL, NULL, NULL, '', '', NULL, '', NULL
FROM {REJECTS}
"""

_COUNTS = (
    "SELECT status, outcome, count(*) FROM imports_importitem WHERE batch_id = %s GROUP BY status, outcome"
)


def lock_organization(organization_id: int) -> None:
    """Imports of one organization merge and roll back one at a time (PostgreSQL transaction lock;
    SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_100_001, organization_id])


BULK_ROWS = 10_000


STATISTICS_TABLES = ("attendance_dailyrecord", "imports_importitem")


def stale_statistics(*, records: int, items: int) -> list[str]:
    """The tables whose planner row counts a merge that wrote `records` records and `items` items made
    stale (large shares only, PostgreSQL). Until autovacuum analyses them, a rollback planned on them takes
    a nested loop with an index probe per item (seen: 3.3 s instead of 1 s to undo 500,000 rows, and 500 s
    for 10,000 rows before the records were analysed). ANALYZE samples, so it stays cheap."""
    return [
        table
        for table, rows in zip(STATISTICS_TABLES, (records, items), strict=True)
        if large_share(table=table, rows=rows)
    ]


def analysed_before(*, moment, tables: list[str]) -> list[str]:
    """Those of `tables` whose statistics were last taken (by ANALYZE or autovacuum) before `moment`."""
    if not tables or connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND COALESCE(GREATEST(last_analyze, last_autoanalyze), '-infinity') < %s",
            [list(tables), moment],
        )
        found = {name for (name,) in cursor.fetchall()}
    return [table for table in tables if table in found]


def analyze(*, tables: list[str]) -> None:
    """ANALYZE these of STATISTICS_TABLES (anything else is refused: the names go into SQL)."""
    unknown = set(tables) - set(STATISTICS_TABLES)
    if unknown:
        raise ValueError(f"not a table whose statistics imports refresh: {sorted(unknown)}")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def large_share(*, table: str, rows: int) -> bool:
    """Whether `rows` changed rows are a large share of `table` (PostgreSQL; 10,000+ rows and a tenth of
    the table or more)."""
    if connection.vendor != "postgresql" or rows < BULK_ROWS:
        return False
    known = _estimated_rows(table)
    return known < 0 or rows >= 0.1 * known


def _estimated_rows(table: str) -> float:
    """The planner's row count of `table` (PostgreSQL); -1 when it was never analysed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def vacuum_records() -> bool:
    """VACUUM (ANALYZE) the records after a rollback removed or rewrote a large share of them. Until
    autovacuum gets there, the unique index still holds the dead entries, and importing the same rows
    again (the usual "roll back, fix the file, import again") checks each of them: 500,000 rows took
    17-19 s instead of 13 s. VACUUM cannot run in a transaction; returns whether it ran."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) attendance_dailyrecord")
    return True


def _on(sql: str, table: str) -> str:
    """The statement reading `table` instead of the temporary staging table (a ValidatedSet's kept table;
    its name comes from our own scheme, never from input)."""
    return sql.replace(STAGING, table).replace(REJECTS, rejects_table_of(table)) if table != STAGING else sql


def ensure_member_statistics() -> None:
    """The records' member references are checked against access_membership (attendance's rule
    `daily_record_member_org`); with no statistics at all (a new database before autovacuum's first pass)
    the planner misjudges that table (with the per-row foreign key of attendance 0004 it scanned the
    member's organization for each row: a 500,000-row commit took 21 s instead of 2 s). Statistics taken
    once, however old, suffice."""
    if connection.vendor != "postgresql" or _estimated_rows("access_membership") >= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE access_membership")


def merge_staging(
    *, batch_id: int, organization_id: int, now, table: str = STAGING
) -> tuple[dict[str, int], int]:
    """Merge the staging table; returns the items' outcome counts and how many of them saw a concurrent
    change (0 on success)."""
    params = {"batch": batch_id, "org": organization_id, "now": connection.ops.adapt_datetimefield_value(now)}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this statement's expressions (JIT) costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(_on(_PG_MERGE, table), params)
            races = 0
            for outcome, count, raced in cursor.fetchall():
                counts[outcome] = count
                races += raced
            return counts, races
        for statement in _SQLITE_STEPS:
            cursor.execute(_on(statement, table), params if "%(" in statement else None)
        cursor.execute(_COUNTS, [batch_id])
        for _status, outcome, count in cursor.fetchall():
            counts[outcome] += count
    return counts, 0


def store_rejects(*, batch_id: int, table: str = STAGING) -> dict[str, int]:
    """Write the rejected lines as items; returns how many were skipped and failed."""
    raw = "raw::jsonb" if connection.vendor == "postgresql" else "raw"
    counts = {"skipped": 0, "failed": 0}
    with connection.cursor() as cursor:
        cursor.execute(_on(_REJECTS_TO_ITEMS.format(raw=raw), table), [batch_id])
        if cursor.rowcount:
            cursor.execute(_on(f"SELECT status, count(*) FROM {REJECTS} GROUP BY status", table))
            counts.update(dict(cursor.fetchall()))
    return counts


# --- rollback ---------------------------------------------------------------------------------------
_SUPERSEDED = """
SELECT i.record_id, i.member_id, i.work_date, d.version, d.source, d.source_batch_id
FROM imports_importitem i
LEFT JOIN attendance_dailyrecord d ON d.id = i.record_id
WHERE i.batch_id = %s AND i.outcome IN ('created', 'updated')
  AND (d.id IS NULL OR d.version <> i.version_after)
ORDER BY i.line
LIMIT %s
"""
_SUPERSEDED_COUNT = """
SELECT count(*) FROM imports_importitem i LEFT JOIN attendance_dailyrecord d ON d.id = i.record_id
WHERE i.batch_id = %s AND i.outcome IN ('created', 'updated') AND (d.id IS NULL OR d.version <> i.version_after)
"""
_DELETE_CREATED = """
DELETE FROM attendance_dailyrecord
WHERE (id, version) IN (
    SELECT record_id, version_after FROM imports_importitem WHERE batch_id = %s AND outcome = 'created'
)
"""
_RESTORE_UPDATED = """
UPDATE attendance_dailyrecord AS d SET
    first_in_at = i.prev_first_in_at, last_out_at = i.prev_last_out_at,
    worked_minutes = i.prev_worked_minutes, late_minutes = i.prev_late_minutes,
    early_leave_minutes = i.prev_early_leave_minutes, status = i.prev_status, source = i.prev_source,
    source_batch_id = i.prev_source_batch_id, note = i.prev_note, version = i.prev_version, updated_at = %s
FROM imports_importitem i
WHERE i.batch_id = %s AND i.outcome = 'updated' AND d.id = i.record_id AND d.version = i.version_after
"""


def superseded_records(*, batch_id: int, limit: int = 50) -> tuple[list[tuple], int]:
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
