"""Table-statistics upkeep around large imports and rollbacks (PostgreSQL).

A merge that wrote a large share of the records or items leaves the planner's row counts stale, and a
rollback planned on them can pick a nested loop with an index probe per item (seen: 500 s for 10,000
rows). So the tables are ANALYZEd after a large merge (by a task when the merge answered a request), and
before a rollback when that has not happened yet; after a large rollback the records are vacuumed, since
until autovacuum gets there the unique index keeps the dead entries that importing the same rows again
checks. Table names come from their owners' models, never from input.
"""

import logging

from django.db import connection

from apps.attendance import records_sql as records
from apps.core.errors import ServiceUnavailable
from apps.imports import queue
from apps.imports.models import ImportItem

logger = logging.getLogger("timeledger.imports")
BULK_ROWS = 10_000
RECORDS = records.TABLE
ITEMS = ImportItem._meta.db_table
STATISTICS_TABLES = (RECORDS, ITEMS)
MEMBERS = "access_membership"


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


def ensure_member_statistics() -> None:
    """The records' member references are checked against access_membership (attendance's rule
    `daily_record_member_org`); with no statistics at all (a new database before autovacuum's first pass)
    the planner misjudges that table (with the per-row foreign key of attendance 0004 it scanned the
    member's organization for each row: a 500,000-row commit took 21 s instead of 2 s). Statistics taken
    once, however old, suffice."""
    if connection.vendor != "postgresql" or _estimated_rows(MEMBERS) >= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {MEMBERS}")


def refresh_after_merge(*, records: int, items: int, in_request: bool) -> None:
    """ANALYZE the tables a large merge made stale; from a request, in a task instead (10-20% of a
    10,000-row synchronous commit was spent here). A broker that cannot take the task is no reason to
    fail a finished commit: the request then analyses them itself."""
    stale = stale_statistics(records=records, items=items)
    if not stale:
        return
    if in_request:
        try:
            queue.publish(queue.STATISTICS_REFRESH, tables=stale)
            return
        except ServiceUnavailable:  # the broker is down: do it here rather than leave the planner guessing
            logger.warning("imports.statistics_refresh could not be queued; analysing in the request")
    analyze(tables=stale)


def refresh_before_rollback(*, records: int, items: int, completed_at) -> None:
    """A large commit's statistics are refreshed after it, by a task when the commit answered a request;
    a rollback right behind it must not be planned on the old row counts."""
    stale = stale_statistics(records=records, items=items)
    analyze(tables=analysed_before(moment=completed_at, tables=stale))


def vacuum_after_rollback(*, rows: int) -> None:
    """Queue a VACUUM of the records once the rollback commits, when it changed a large share of them."""
    if large_share(table=RECORDS, rows=rows):
        queue.queue_after_commit(queue.RECORDS_VACUUM)


def vacuum_records() -> bool:
    """VACUUM (ANALYZE) the records after a rollback removed or rewrote a large share of them. Until
    autovacuum gets there, the unique index still holds the dead entries, and importing the same rows
    again (the usual "roll back, fix the file, import again") checks each of them: 500,000 rows took
    17-19 s instead of 13 s. VACUUM cannot run in a transaction; returns whether it ran."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {RECORDS}")
    return True
