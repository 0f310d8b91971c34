"""Daily records as CSV, streamed: PostgreSQL's COPY ... TO STDOUT does the formatting, other databases a
chunked iterator; both read the same filtered queryset (`RecordExportFilter`). Cells a spreadsheet would
run as a formula (=, +, -, @, tab, CR first) get a leading apostrophe, so Excel shows them as text.
Headers match the import template, so an export re-imports (as unchanged)."""

import csv
import io
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import CharField, F, Func, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from psycopg import ClientCursor

from apps.access.models import Organization
from apps.core.spreadsheet import BOM, safe_cell, safe_cell_sql

HEADERS = (
    "日期", "工号", "姓名", "UserId", "部门", "上班1打卡时间", "下班1打卡时间", "考勤结果",
    "实出勤分钟", "迟到时长", "早退时长", "异常原因", "关联的审批单", "请假分钟", "加班分钟", "来源",
)  # fmt: skip
CHUNK_BYTES = 256 * 1024
ORDER = ("work_date", "member__employee_no", "id")


class SpreadsheetSafe(Func):
    """apps.core.spreadsheet's formula escape, in SQL (for COPY ... TO)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return safe_cell_sql(sql), (*params, *params, *params)  # the expression appears three times


class LocalMinute(Func):
    """'YYYY-MM-DD HH:MM' of a timestamp in a timezone, '' for none: the first 16 characters of ISO text
    (cheaper than to_char; the export's transaction sets DateStyle ISO)."""

    arg_joiner = " AT TIME ZONE "
    template = "COALESCE(left((%(expressions)s)::text, 16), '')"
    output_field = CharField()


def _optional(name: str) -> Coalesce:
    """A nullable number as text, '' for none (COPY would write NULL unquoted, unlike the other cells)."""
    return Coalesce(Cast(F(name), CharField()), Value(""))


def _header(bom: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(HEADERS)
    return (BOM.encode() if bom else b"") + buffer.getvalue().encode()


def records_csv(*, organization: Organization, records: QuerySet, bom: bool) -> Iterator[bytes]:
    """`records` (already scoped to `organization` and filtered) as CSV chunks."""
    yield _header(bom)
    if connection.vendor == "postgresql":
        yield from _postgres_rows(organization, records)
    else:
        yield from _python_rows(organization, records)


def _postgres_rows(organization: Organization, records: QuerySet) -> Iterator[bytes]:
    tz = Value(organization.timezone)
    name = Coalesce(NullIf(F("member__display_name"), Value("")), F("member__user__username"))
    rows = records.order_by(*ORDER).values_list(
        "work_date", SpreadsheetSafe(F("member__employee_no")), SpreadsheetSafe(name),
        SpreadsheetSafe(F("member__external_id")), SpreadsheetSafe(F("member__department")),
        LocalMinute(F("first_in_at"), tz), LocalMinute(F("last_out_at"), tz), "status", "worked_minutes",
        "late_minutes", "early_leave_minutes", SpreadsheetSafe(F("note")), SpreadsheetSafe(F("approval_text")),
        _optional("leave_minutes"), _optional("overtime_minutes"), "source",
    )  # fmt: skip
    query, params = rows.query.sql_with_params()
    # One read-only transaction for its settings: ISO output (which psycopg needs anyway to read dates)
    # makes `timestamp::text` read "2026-03-02 09:00:00", whose first 16 characters are the file's time
    # format, and compiling the expressions (JIT) costs more than it saves here.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'ISO'")
        cursor.execute("SET LOCAL jit = off")
        raw = cursor.cursor
        # COPY takes no server-side parameters: psycopg binds them on the client (mogrify).
        statement = ClientCursor(raw.connection).mogrify(query, params)
        with raw.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)") as copy:
            buffer = bytearray()
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            if buffer:
                yield bytes(buffer)


def _python_rows(organization: Organization, records: QuerySet) -> Iterator[bytes]:
    tz = organization.tzinfo
    rows = records.order_by(*ORDER).values_list(
        "work_date", "member__employee_no", "member__display_name", "member__user__username", "member__external_id",
        "member__department", "first_in_at", "last_out_at", "status", "worked_minutes", "late_minutes",
        "early_leave_minutes", "note", "approval_text", "leave_minutes", "overtime_minutes", "source",
    )  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows.iterator(chunk_size=2000):
        day, number, display, username, external, department, first, last, status, *numbers, note = row[:13]
        approval, leave, overtime, source = row[13:]
        writer.writerow(
            (
                day.isoformat(), safe_cell(number), safe_cell(display or username), safe_cell(external),
                safe_cell(department),
                first.astimezone(tz).strftime("%Y-%m-%d %H:%M") if first else "",
                last.astimezone(tz).strftime("%Y-%m-%d %H:%M") if last else "",
                status, *numbers, safe_cell(note), safe_cell(approval), "" if leave is None else leave,
                "" if overtime is None else overtime, source,
            )
        )  # fmt: skip
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
