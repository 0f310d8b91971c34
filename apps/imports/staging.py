# SQL here is assembled from constants (ours and attendance's records_sql); every value is a parameter.
# ruff: noqa: S608
"""Staging tables: the validated rows of one file, and its rejected lines in a second table.

By default they are temporary tables of the current connection; a preview writes them to the tables of a
`ValidatedSet` instead (UNLOGGED on PostgreSQL), which outlive the connection so that the commit that
follows can merge them without a second pass over the file. PostgreSQL gets the rows by COPY (psycopg 3's
`cursor.copy()`), other databases by bulk inserts. Preview compares the staging table with the daily
records; commit merges it (merge.py) and writes the rejected lines as items in the same transaction.
"""

import json
from collections.abc import Iterable
from datetime import date

from django.db import DatabaseError, connection, transaction

from apps.attendance import records_sql as records

STAGING = "import_staging"
REJECTS = "import_rejects"
CHUNK = 20_000
STREAM_ROWS = 2_000  # rows per write into the open COPY (PostgreSQL)
NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# A staged row: the file's line, the member and date it is for, and the record values it sets (named and
# typed as the record's columns, in records_sql.IMPORTED's order).
_STAGING_COLUMNS = "line integer, member_id bigint, work_date date, {values}"
_REJECT_COLUMNS = (
    "line integer, status varchar(10), error_code varchar(40), error_message varchar(300), raw text"
)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def rejects_table_of(table: str) -> str:
    """The table that holds the rejected lines beside staging table `table`."""
    return REJECTS if table == STAGING else f"{table}_rejects"


def on_table(sql: str, table: str) -> str:
    """The statement reading `table` instead of the temporary staging table (a ValidatedSet's kept table;
    its name comes from our own scheme, never from input)."""
    return sql.replace(STAGING, table).replace(REJECTS, rejects_table_of(table)) if table != STAGING else sql


def drop_tables(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


class Staging:
    """Collects rows in chunks and writes each chunk in one round trip.

    `table` names a kept table (a ValidatedSet's, from our own name scheme, never user input), its rejects
    going to `rejects_table_of(table)`; without it the rows go to this connection's temporary tables."""

    def __init__(self, *, with_rejects: bool, table: str = ""):
        self.vendor = connection.vendor
        self.postgres = self.vendor == "postgresql"
        self.with_rejects = with_rejects
        self.table = table or STAGING
        self.rejects_table = rejects_table_of(self.table)
        self._rows: list[tuple] = []
        self._rejects: list[tuple] = []
        self._dates: dict = {}
        self._copy = self._copy_context = self._cursor = None
        ts = "timestamptz" if self.postgres else "datetime"
        create = "CREATE TEMP TABLE"
        if table:
            create = "CREATE UNLOGGED TABLE" if self.postgres else "CREATE TABLE"
        drop_tables(self.table, self.rejects_table)
        with connection.cursor() as cursor:
            values = records.column_definitions(records.IMPORTED, timestamp=ts)
            cursor.execute(f"{create} {self.table} ({_STAGING_COLUMNS.format(values=values)})")
            if with_rejects:
                cursor.execute(f"{create} {self.rejects_table} ({_REJECT_COLUMNS})")

    @staticmethod
    def drop() -> None:
        """Drop this connection's temporary staging tables."""
        drop_tables(STAGING, REJECTS)

    def add(self, row: tuple) -> None:
        self._rows.append(row)
        if len(self._rows) >= (STREAM_ROWS if self.postgres else CHUNK):
            if self.postgres:
                self._stream()
            else:
                self.flush()

    def reject(self, line: int, status: str, code: str, message: str, raw: list) -> None:
        if not self.with_rejects:
            return
        cells = ["" if cell is None else str(cell) for cell in raw]
        self._rejects.append((line, status, code, message[:300], json.dumps(cells, ensure_ascii=False)))
        if len(self._rejects) >= CHUNK:
            self.flush()

    def _stream(self) -> None:
        """Send the collected rows down one COPY that stays open across calls, so that PostgreSQL
        stores them while this process validates the next ones (two cores instead of one)."""
        if self._copy is None:
            self._cursor = connection.cursor()
            self._copy_context = self._cursor.cursor.copy(f"COPY {self.table} FROM STDIN")
            self._copy = self._copy_context.__enter__()
        self._copy.write(self._copy_text(self._rows))
        self._rows = []

    def _end_stream(self, error: BaseException | None = None) -> None:
        if self._copy is None:
            return
        context, cursor = self._copy_context, self._cursor
        self._copy = self._copy_context = self._cursor = None
        try:
            if error is None:
                context.__exit__(None, None, None)  # waits until PostgreSQL has stored every row
            else:
                context.__exit__(type(error), error, error.__traceback__)  # cancels the COPY
        finally:
            cursor.close()

    def abort(self, error: BaseException) -> None:
        """The pass failed: end an open COPY so that the connection can be used again."""
        self._end_stream(error)

    def flush(self) -> None:
        if self.postgres:
            if self._rows:
                self._stream()
            self._end_stream()
        with connection.cursor() as cursor:
            if self._rows:
                self._write(cursor, self.table, self._rows, len(self._rows[0]))
                self._rows = []
            if self._rejects:
                self._write(cursor, self.rejects_table, self._rejects, 5)
                self._rejects = []

    def _write(self, cursor, table: str, rows: list[tuple], width: int) -> None:
        if self.postgres:
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            dates = self._dates
            if table == self.table:
                rows = [
                    (*row[:2], dates.get(row[2]) or dates.setdefault(row[2], row[2].isoformat()), *row[3:])
                    for row in rows
                ]
            marks = ", ".join(["%s"] * width)
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def _copy_text(self, rows: list[tuple]) -> str:
        """COPY's text format, built with one f-string a row (faster than a row-by-row writer)."""
        dates = self._dates
        lines = []
        append = lines.append
        for (
            line,
            member,
            day,
            first,
            last,
            worked,
            late,
            early,
            status,
            note,
            approval,
            leave,
            overtime,
        ) in rows:
            text_day = dates.get(day)
            if text_day is None:
                text_day = dates[day] = day.isoformat()
            if note:
                note = note.translate(_COPY_ESCAPES)
            if approval:
                approval = approval.translate(_COPY_ESCAPES)
            leave = NULL if leave is None else leave
            overtime = NULL if overtime is None else overtime
            append(
                f"{line}\t{member}\t{text_day}\t{first or NULL}\t{last or NULL}\t{worked}\t{late}\t{early}\t{status}\t{note}\t{approval}\t{leave}\t{overtime}\n"
            )
        return "".join(lines)

    def discard(self, lines: Iterable[int]) -> None:
        """Remove staged lines (found to be in a locked period after the pass)."""
        self.flush()
        lines = list(lines)
        with connection.cursor() as cursor:
            for start in range(0, len(lines), 1000):
                chunk = lines[start : start + 1000]
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE line IN ({', '.join(['%s'] * len(chunk))})", chunk
                )

    def finish(self) -> None:
        self.flush()
        if self.postgres:
            with connection.cursor() as cursor:
                # Temporary tables have no statistics; without them the merge plans for a handful of rows.
                cursor.execute(f"ANALYZE {self.table}")


_ACTION = """
CASE WHEN d.{id} IS NULL THEN 'create'
     WHEN {changed} THEN 'update'
     ELSE 'unchanged' END
"""
_JOIN = (
    "FROM {table} s LEFT JOIN "
    + records.in_range(organization="%(org)s", dates_from="{table}")
    + f" d ON d.{records.MEMBER} = s.member_id AND d.{records.WORK_DATE} = s.work_date"
)


def _action_sql() -> str:
    return _ACTION.format(id=records.ID, changed=records.differs(left="d", right="s"))


def staged_actions(
    *, organization_id: int, table: str = STAGING, plausible: tuple[date, date] | None = None
) -> dict[str, int]:
    """How many staged rows would create, update or leave unchanged a daily record; with `plausible`
    (first, last date), also how many are dated outside it (`implausible_dates`, in the same scan)."""
    counts = {"create": 0, "update": 0, "unchanged": 0, "implausible_dates": 0}
    join = _JOIN.format(table=table)
    first, last = plausible or (date.min, date.max)
    outside = "sum(CASE WHEN a.work_date < %(first)s OR a.work_date > %(last)s THEN 1 ELSE 0 END)"
    with transaction.atomic(), connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("SET LOCAL jit = off")  # compiling the expressions costs more than it saves here
        cursor.execute(
            f"SELECT action, count(*), {outside} "
            f"FROM (SELECT {_action_sql()} AS action, s.work_date {join}) a GROUP BY action",
            {"org": organization_id, "first": first, "last": last},
        )
        for action, count, implausible in cursor.fetchall():
            counts[action] = count
            counts["implausible_dates"] += implausible or 0
    return counts


def staged_actions_for(lines: list[int], *, organization_id: int, table: str = STAGING) -> dict[int, str]:
    if not lines:
        return {}
    params = {"org": organization_id} | {f"l{index}": line for index, line in enumerate(lines)}
    marks = ", ".join(f"%(l{index})s" for index in range(len(lines)))
    join = _JOIN.format(table=table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.line, {_action_sql()} {join} WHERE s.line IN ({marks})", params)
        return dict(cursor.fetchall())


def staged_span(*, table: str) -> tuple[date, date] | None:
    """The first and last work date in a kept staging table (None when it is empty or gone)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT min(work_date), max(work_date) FROM {table}")
            low, high = cursor.fetchone()
    except DatabaseError:
        return None
    if low is None:
        return None
    return (low if isinstance(low, date) else date.fromisoformat(low)), (
        high if isinstance(high, date) else date.fromisoformat(high)
    )


def staged_count(*, table: str) -> int | None:
    """Rows in a kept staging table, or None when it is gone (a savepoint keeps the caller's transaction
    usable)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            return cursor.fetchone()[0]
    except DatabaseError:
        return None
