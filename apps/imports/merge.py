# SQL here is assembled from constants (ours and attendance's records_sql); every value is a parameter.
# ruff: noqa: S608
"""The set-based heart of the pipeline: merge the staging table into the daily records and write the
rollback snapshot with it. Called inside one transaction by the commit service; no per-row ORM work.
The undo is in undo.py, the table-statistics upkeep in statistics.py.

PostgreSQL merges with one statement: a data-modifying CTE reads the old rows, a plain INSERT writes the
new records and a version-guarded UPDATE the changed ones, and the items (with the old values) are
inserted from both. SQLite has no data-modifying CTEs, so it takes the same steps one by one (with an
`INSERT ... ON CONFLICT` for the records), with the same results.

The record table's names and fragments come from `apps.attendance.records_sql` (the contract: every
write bumps `version`; a rollback restores the snapshot's version, so batches rolled back newest first
each see exactly the state they left).
"""

from django.db import IntegrityError, connection, transaction

from apps.attendance import records_sql as records
from apps.imports.staging import REJECTS, STAGING, on_table

ITEMS = "imports_importitem"
# The snapshot columns of an item: `prev_` + each record column a rollback restores, and the version.
SNAPSHOT = (*records.SNAPSHOT, records.VERSION)
_PREV = records.listed(SNAPSHOT, prefix="prev_")
_ITEM_COLUMNS = (
    "batch_id, line, status, outcome, record_id, member_id, work_date, error_code, error_message, raw, "
    f"version_after, {_PREV}"
)
_OLD_VALUES = ", ".join(
    f"COALESCE(o.{column}, '')" if column in records.TEXT else f"o.{column}" for column in SNAPSHOT
)
_NO_SNAPSHOT = ", ".join("''" if column in records.TEXT else "NULL" for column in SNAPSHOT)
_MATCH = f"d.{records.MEMBER} = {{row}}.member_id AND d.{records.WORK_DATE} = {{row}}.work_date"
# The old values of each staged row, and whether it writes a record: new, or with other values. A row
# whose values are already the record's is left out of the upsert: no probe of the unique index, no row
# lock (ON CONFLICT DO UPDATE locks the conflicting row even when its WHERE is false: a WAL record and a
# dirtied page per unchanged row). Nor does it write an item: a line that changed nothing has nothing to
# roll back, so the batch only counts it (unchanged_count) and a file imported again writes nothing.
_STAGED_AS_NEW = ", ".join(f"s.{column} AS new_{column}" for column in records.IMPORTED)
_SELECT_OLD = f"""
    SELECT s.line, s.member_id, s.work_date, d.{records.ID}, {records.listed(SNAPSHOT, "d")},
           {_STAGED_AS_NEW},
           d.{records.ID} IS NULL OR {records.differs(left="d", right="s", operator="IS DISTINCT FROM")} AS writes
    FROM {STAGING} s
    LEFT JOIN {records.in_range(organization="%(org)s", dates_from=STAGING)} d ON {_MATCH.format(row="s")}
"""
_NEW_ROWS = f"""SELECT %(org)s, s.member_id, s.work_date, {records.listed(records.IMPORTED, "s")}, 'import',
           %(batch)s, 1, %(now)s, %(now)s
    FROM {STAGING} s WHERE true"""
# PostgreSQL: the staged rows that write, read from `old` (which carries their values as new_*): those
# with no record yet by a plain INSERT, those whose record differs by an UPDATE of that record (by id,
# while its version is still the one read), neither probing the unique index per row as
# `INSERT ... ON CONFLICT` does (in psql, 100,000 changed records: 1.9-2.3 s instead of 5.4-5.5 s).
_PG_CREATED_ROWS = f"""SELECT %(org)s, o.member_id, o.work_date,
           {records.listed(records.IMPORTED, "o", prefix="new_")}, 'import', %(batch)s, 1, %(now)s, %(now)s
    FROM old o WHERE o.{records.ID} IS NULL"""
_PG_CHANGE = f"""{records.rewrite(alias="d", values="o", prefix="new_", batch="%(batch)s", now="%(now)s")}
    FROM old o
    WHERE o.writes AND o.{records.ID} IS NOT NULL AND d.{records.ID} = o.{records.ID}
      AND d.{records.VERSION} = o.{records.VERSION}"""

# The items' RETURNING feeds the outcome counts and the race check in the same statement, so the items
# are not read back. A row changed by someone else between our read of the old values and our write would
# leave a wrong snapshot; its version tells (created rows start at 1, updated ones are one above the
# snapshot). A record created by someone else meanwhile fails the plain INSERT on the unique constraint,
# and one changed or deleted meanwhile is left out of the UPDATE (its version is no longer the one read):
# races too, counted in the last row (merge_staging reports them, and the commit merges again).
_RETURNED = f"d.{records.ID}, d.{records.MEMBER}, d.{records.WORK_DATE}, d.{records.VERSION}"
_PG_MERGE = f"""
WITH old AS ({_SELECT_OLD}),
created AS ({records.insert(select=_PG_CREATED_ROWS)} RETURNING {_RETURNED}),
changed AS ({_PG_CHANGE} RETURNING {_RETURNED}),
merged AS (SELECT * FROM created UNION ALL SELECT * FROM changed),
items AS (
    INSERT INTO {ITEMS} ({_ITEM_COLUMNS})
    SELECT %(batch)s, o.line, 'imported',
           CASE WHEN o.{records.ID} IS NULL THEN 'created' ELSE 'updated' END,
           m.{records.ID}, o.member_id, o.work_date, '', '', NULL,
           m.{records.VERSION}, {_OLD_VALUES}
    FROM old o JOIN merged m ON m.{records.MEMBER} = o.member_id AND m.{records.WORK_DATE} = o.work_date
    ORDER BY o.line  -- the key's index then grows at its right edge
    RETURNING outcome, version_after, prev_version
),
outcomes AS (
    SELECT outcome, count(*) AS n,
           count(*) FILTER (WHERE (outcome = 'created' AND version_after <> 1)
                               OR (outcome = 'updated' AND version_after <> prev_version + 1)) AS raced
    FROM items GROUP BY outcome
)
SELECT outcome, n, raced FROM outcomes
UNION ALL
SELECT 'unchanged', ((SELECT count(*) FROM old) - (SELECT COALESCE(sum(n), 0) FROM outcomes))::bigint,
       (SELECT count(*) FROM old WHERE writes AND {records.ID} IS NOT NULL) - (SELECT count(*) FROM changed)
"""

_SQLITE_OLD = "import_old"
_SQLITE_STEPS = (
    f"DROP TABLE IF EXISTS {_SQLITE_OLD}",
    f"""CREATE TEMP TABLE {_SQLITE_OLD} AS
    SELECT s.line AS line, s.member_id AS member_id, s.work_date AS work_date, d.{records.ID} AS {records.ID},
           {", ".join(f"d.{column} AS {column}" for column in SNAPSHOT)},
           {records.differs(left="d", right="s", operator="IS")} AS same
    FROM {STAGING} s
    LEFT JOIN {records.TABLE} d ON {_MATCH.format(row="s")}""",
    records.upsert(select=_NEW_ROWS, operator="IS NOT"),
    f"""
    INSERT INTO {ITEMS} ({_ITEM_COLUMNS})
    SELECT %(batch)s, o.line, 'imported',
           CASE WHEN o.{records.ID} IS NULL THEN 'created' ELSE 'updated' END,
           d.{records.ID}, o.member_id, o.work_date, '', '', NULL, d.{records.VERSION}, {_OLD_VALUES}
    FROM {_SQLITE_OLD} o
    JOIN {records.TABLE} d ON {_MATCH.format(row="o")}
    WHERE o.{records.ID} IS NULL OR NOT o.same
    """,
)
_SQLITE_UNCHANGED = f"SELECT count(*) FROM {_SQLITE_OLD} WHERE {records.ID} IS NOT NULL AND same"

_REJECTS_TO_ITEMS = f"""
INSERT INTO {ITEMS} ({_ITEM_COLUMNS})
SELECT %s, line, status, '', NULL, NULL, NULL, error_code, error_message, {{raw}}, NULL, {_NO_SNAPSHOT}
FROM {REJECTS}
"""

_COUNTS = f"SELECT status, outcome, count(*) FROM {ITEMS} WHERE batch_id = %s GROUP BY status, outcome"


def lock_organization(organization_id: int) -> None:
    """Imports of one organization merge and roll back one at a time (PostgreSQL transaction lock;
    SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_100_001, organization_id])


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
            try:
                with transaction.atomic():
                    cursor.execute(on_table(_PG_MERGE, table), params)
            except IntegrityError as error:
                if getattr(error.__cause__, "diag", None) is None or (
                    error.__cause__.diag.constraint_name != records.CONFLICT_CONSTRAINT
                ):
                    raise
                return counts, 1  # a record of the file was created meanwhile: merge again
            races = 0
            for outcome, count, raced in cursor.fetchall():
                counts[outcome] = count
                races += raced
            return counts, races
        for statement in _SQLITE_STEPS:
            cursor.execute(on_table(statement, table), params if "%(" in statement else None)
        cursor.execute(_SQLITE_UNCHANGED)
        counts["unchanged"] = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {_SQLITE_OLD}")
        cursor.execute(_COUNTS, [batch_id])
        for _status, outcome, count in cursor.fetchall():
            if outcome in counts and outcome != "unchanged":
                counts[outcome] += count
    return counts, 0


def store_rejects(*, batch_id: int, table: str = STAGING) -> dict[str, int]:
    """Write the rejected lines as items; returns how many were skipped and failed."""
    raw = "raw::jsonb" if connection.vendor == "postgresql" else "raw"
    counts = {"skipped": 0, "failed": 0}
    with connection.cursor() as cursor:
        cursor.execute(on_table(_REJECTS_TO_ITEMS.format(raw=raw), table), [batch_id])
        if cursor.rowcount:
            cursor.execute(on_table(f"SELECT status, count(*) FROM {REJECTS} GROUP BY status", table))
            counts.update(dict(cursor.fetchall()))
    return counts
