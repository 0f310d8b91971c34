# SQL here is assembled from this module's constants only; every value travels as a parameter.
# ruff: noqa: S608
"""Staging tables: the validated rows of one file, in a temporary table of the current connection.

PostgreSQL gets them by COPY (psycopg 3's `cursor.copy()`), other databases by bulk inserts. Preview
compares the staging table with the daily records; commit merges it (merge.py). Rejected lines of a commit
go to a second temporary table, so that the merge transaction writes them with everything else.
"""

import json
from collections.abc import Iterable

from django.db import connection

STAGING = "import_staging"
REJECTS = "import_rejects"
CHUNK = 20_000
NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

_STAGING_COLUMNS = (
    "line integer, member_id bigint, work_date date, first_in_at {ts}, last_out_at {ts}, "
    "worked_minutes integer, late_minutes integer, early_leave_minutes integer, status varchar(20), note varchar(300)"
)
_REJECT_COLUMNS = (
    "line integer, status varchar(10), error_code varchar(40), error_message varchar(300), raw text"
)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class Staging:
    """Collects rows in chunks and writes each chunk in one round trip."""

    def __init__(self, *, with_rejects: bool):
        self.vendor = connection.vendor
        self.postgres = self.vendor == "postgresql"
        self.with_rejects = with_rejects
        self._rows: list[tuple] = []
        self._rejects: list[tuple] = []
        self._dates: dict = {}
        ts = "timestamptz" if self.postgres else "datetime"
        with connection.cursor() as cursor:
            self.drop(cursor)
            cursor.execute(f"CREATE TEMP TABLE {STAGING} ({_STAGING_COLUMNS.format(ts=ts)})")
            if with_rejects:
                cursor.execute(f"CREATE TEMP TABLE {REJECTS} ({_REJECT_COLUMNS})")

    @staticmethod
    def drop(cursor=None) -> None:
        if cursor is None:
            with connection.cursor() as own:
                Staging.drop(own)
            return
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(f"DROP TABLE IF EXISTS {REJECTS}")

    def add(self, row: tuple) -> None:
        self._rows.append(row)
        if len(self._rows) >= CHUNK:
            self.flush()

    def reject(self, line: int, status: str, code: str, message: str, raw: list) -> None:
        if not self.with_rejects:
            return
        cells = ["" if cell is None else str(cell) for cell in raw]
        self._rejects.append((line, status, code, message[:300], json.dumps(cells, ensure_ascii=False)))
        if len(self._rejects) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        with connection.cursor() as cursor:
            if self._rows:
                self._write(cursor, STAGING, self._rows, 10)
                self._rows = []
            if self._rejects:
                self._write(cursor, REJECTS, self._rejects, 5)
                self._rejects = []

    def _write(self, cursor, table: str, rows: list[tuple], width: int) -> None:
        if self.postgres:
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                if table == STAGING:
                    copy.write(self._copy_text(rows))
                else:
                    for row in rows:
                        copy.write_row(row)
        else:
            dates = self._dates
            if table == STAGING:
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
        for line, member, day, first, last, worked, late, early, status, note in rows:
            text_day = dates.get(day)
            if text_day is None:
                text_day = dates[day] = day.isoformat()
            if note:
                note = note.translate(_COPY_ESCAPES)
            append(
                f"{line}\t{member}\t{text_day}\t{first or NULL}\t{last or NULL}\t{worked}\t{late}\t{early}\t{status}\t{note}\n"
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
                    f"DELETE FROM {STAGING} WHERE line IN ({', '.join(['%s'] * len(chunk))})", chunk
                )

    def finish(self) -> None:
        self.flush()
        if self.postgres:
            with connection.cursor() as cursor:
                # Temporary tables have no statistics; without them the merge plans for a handful of rows.
                cursor.execute(f"ANALYZE {STAGING}")


_ACTION = """
CASE WHEN d.id IS NULL THEN 'create'
     WHEN (d.first_in_at, d.last_out_at, d.worked_minutes, d.late_minutes, d.early_leave_minutes, d.status, d.note)
          {differs} (s.first_in_at, s.last_out_at, s.worked_minutes, s.late_minutes, s.early_leave_minutes,
                     s.status, s.note) THEN 'update'
     ELSE 'unchanged' END
"""
_JOIN = f"FROM {STAGING} s LEFT JOIN attendance_dailyrecord d ON d.member_id = s.member_id AND d.work_date = s.work_date"


def _action_sql() -> str:
    return _ACTION.format(differs="IS DISTINCT FROM" if is_postgres() else "IS NOT")


def staged_actions() -> dict[str, int]:
    """How many staged rows would create, update or leave unchanged a daily record."""
    counts = {"create": 0, "update": 0, "unchanged": 0}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT action, count(*) FROM (SELECT {_action_sql()} AS action {_JOIN}) a GROUP BY action"
        )
        counts.update(dict(cursor.fetchall()))
    return counts


def staged_actions_for(lines: list[int]) -> dict[int, str]:
    if not lines:
        return {}
    marks = ", ".join(["%s"] * len(lines))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.line, {_action_sql()} {_JOIN} WHERE s.line IN ({marks})", lines)
        return dict(cursor.fetchall())
