# SQL here is assembled from sql.py's and this module's constants; every value travels as a parameter.
# ruff: noqa: S608
"""The cycle summary as CSV, streamed. On PostgreSQL the summary statement runs inside COPY ... TO STDOUT,
which formats the lines (no row reaches Python); elsewhere the rows of the ORM path go through csv.writer.
Both write the same bytes: every cell quoted, LF line ends (as the records export), cells a spreadsheet would
run as a formula prefixed with an apostrophe, one column per leave type that appears."""

import csv
import io
from collections.abc import Iterator

from django.db import connection, transaction
from psycopg import ClientCursor

from apps.core.spreadsheet import BOM, safe_cell, safe_cell_sql
from apps.payroll_cycles.models import PayrollCycle
from apps.payroll_cycles.summary import cycle_summary, sql, sql_query
from apps.payroll_cycles.summary.sql import STATUSES

# (summary key, CSV header)
COLUMNS = [
    ("employee_no", "employeeNo"),
    ("username", "username"),
    ("name", "name"),
    ("total_days", "totalDays"),
    ("worked_minutes", "workedMinutes"),
    ("regular_minutes", "regularMinutes"),
    ("overtime_minutes", "overtimeMinutes"),
    ("workday_overtime_minutes", "workdayOvertimeMinutes"),
    ("restday_overtime_minutes", "restdayOvertimeMinutes"),
    ("holiday_overtime_minutes", "holidayOvertimeMinutes"),
    ("weighted_overtime_minutes", "weightedOvertimeMinutes"),
    ("late_count", "lateCount"),
    ("late_minutes", "lateMinutes"),
    ("early_leave_count", "earlyLeaveCount"),
    ("early_leave_minutes", "earlyLeaveMinutes"),
    ("absent_days", "absentDays"),
    ("leave_minutes", "leaveMinutes"),
    ("open_anomalies", "openAnomalies"),
]
# The same figures as columns of sql.py's `summary` (shape() derives three of them).
SQL_COLUMNS = {
    "overtime_minutes": "workday_overtime_minutes + restday_overtime_minutes + holiday_overtime_minutes",
    "absent_days": "count_absent",
}
CHUNK_BYTES = 256 * 1024
ROWS_PER_CHUNK = 1000


def _header(leave_codes: list[str], bom: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        [label for _key, label in COLUMNS]
        + [f"count_{status}" for status in STATUSES]
        + [f"leave_{code}" for code in leave_codes]
    )
    return (BOM.encode() if bom else b"") + buffer.getvalue().encode()


def summary_csv(*, cycle: PayrollCycle, member_ids: list[int] | None, bom: bool) -> Iterator[bytes]:
    """The summary of `member_ids` (None: everyone) as CSV chunks."""
    if connection.vendor == "postgresql":
        return _postgres(cycle, member_ids, bom)
    return _python(cycle_summary(cycle=cycle, member_ids=member_ids), bom)


def _postgres(cycle: PayrollCycle, member_ids: list[int] | None, bom: bool) -> Iterator[bytes]:
    query = sql_query(cycle=cycle, member_ids=member_ids)
    # One transaction: the leave types that appear (a small query over the leave requests), then COPY.
    with transaction.atomic(), connection.cursor() as cursor:
        sql.prepare(cursor, full=member_ids is None)
        codes_sql, params = sql.statement(
            select="SELECT DISTINCT code FROM leave_days", member_ids=member_ids, **query
        )
        cursor.execute(codes_sql, params)
        codes = sorted(code for (code,) in cursor.fetchall())
        yield _header(codes, bom)
        cells = [safe_cell_sql(f"({SQL_COLUMNS.get(key, key)})::text") for key, _label in COLUMNS]
        cells += [f"count_{status}" for status in STATUSES]
        cells += [f"COALESCE(leave_by_type ->> %(leave_{i})s, '0')" for i in range(len(codes))]
        statement, params = sql.statement(
            select=f"SELECT {', '.join(cells)} FROM summary {sql.ORDER}",
            member_ids=member_ids,
            params={f"leave_{i}": code for i, code in enumerate(codes)},
            **query,
        )
        raw = cursor.cursor
        # COPY takes no server-side parameters: psycopg binds them on the client (mogrify).
        bound = ClientCursor(raw.connection).mogrify(statement, params)
        with raw.copy(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)") as copy:
            buffer = bytearray()
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            if buffer:
                yield bytes(buffer)


def _python(rows: list[dict], bom: bool) -> Iterator[bytes]:
    codes = sorted({item["code"] for row in rows for item in row["leave_by_type"]})
    yield _header(codes, bom)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for index, row in enumerate(rows, 1):
        leave = {item["code"]: item["minutes"] for item in row["leave_by_type"]}
        writer.writerow(
            [safe_cell(row[key]) for key, _label in COLUMNS]
            + [row["counts"][status] for status in STATUSES]
            + [leave.get(code, 0) for code in codes]
        )
        if index % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
