# SQL here is assembled from this module's constants only; every value travels as a parameter.
# ruff: noqa: S608
"""Daily records as CSV, streamed: PostgreSQL's COPY ... TO STDOUT does the formatting, other databases a
chunked iterator. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a leading
apostrophe, so Excel shows them as text."""

import csv
import io
from collections.abc import Iterator
from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _
from psycopg import ClientCursor

from apps.access.models import Organization
from apps.attendance import records_sql
from apps.core.errors import ValidationFailed
from apps.core.spreadsheet import safe_cell, safe_cell_sql
from apps.imports.formats import STATUSES as FILE_STATUSES

BOM = "\ufeff".encode()
HEADERS = (
    "日期", "工号", "姓名", "UserId", "部门", "上班1打卡时间", "下班1打卡时间", "考勤结果",
    "实出勤分钟", "迟到时长", "早退时长", "异常原因", "来源",
)  # fmt: skip
CHUNK_BYTES = 256 * 1024
STATUSES = frozenset(FILE_STATUSES)


def export_filters(params) -> dict:
    """Validate the records filters (`from`, `to`, `member`, `status`, `source`, `batch`)."""
    filters: dict = {}
    errors: dict[str, list[str]] = {}
    for name in ("from", "to"):
        if params.get(name):
            try:
                filters[name] = date.fromisoformat(params[name])
            except ValueError:
                errors[name] = ["use YYYY-MM-DD"]
    for name in ("member", "batch"):
        if params.get(name):
            try:
                filters[name] = [int(part) for part in str(params[name]).split(",") if part.strip()]
            except ValueError:
                errors[name] = ["use ids separated by commas"]
    if params.get("status"):
        filters["status"] = [part for part in params["status"].split(",") if part]
        if set(filters["status"]) - STATUSES:
            errors["status"] = [f"one of {', '.join(sorted(STATUSES))}"]
    if params.get("source"):
        filters["source"] = [part for part in params["source"].split(",") if part]
    if errors:
        raise ValidationFailed("VALIDATION_ERROR", _("Some filters are not valid."), {"fields": errors})
    return filters


def _where(organization: Organization, filters: dict) -> tuple[str, list]:
    clauses, params = ["r.organization_id = %s"], [organization.pk]
    if "from" in filters:
        clauses.append("r.work_date >= %s")
        params.append(filters["from"])
    if "to" in filters:
        clauses.append("r.work_date <= %s")
        params.append(filters["to"])
    for name, column in (("member", "r.member_id"), ("batch", "r.source_batch_id"), ("status", "r.status"),
                         ("source", "r.source")):  # fmt: skip
        if filters.get(name):
            clauses.append(f"{column} IN ({', '.join(['%s'] * len(filters[name]))})")
            params.extend(filters[name])
    return " AND ".join(clauses), params


def _header(bom: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(HEADERS)
    return (BOM if bom else b"") + buffer.getvalue().encode()


def records_csv(*, organization: Organization, filters: dict, bom: bool) -> Iterator[bytes]:
    yield _header(bom)
    if connection.vendor == "postgresql":
        yield from _postgres_rows(organization, filters)
    else:
        yield from _python_rows(organization, filters)


def _postgres_rows(organization: Organization, filters: dict) -> Iterator[bytes]:
    where, params = _where(organization, filters)
    name = "COALESCE(NULLIF(m.display_name, ''), u.username)"
    query = f"""
        SELECT r.work_date, {safe_cell_sql("m.employee_no")}, {safe_cell_sql(name)}, {safe_cell_sql("m.external_id")},
               {safe_cell_sql("m.department")},
               COALESCE(left((r.first_in_at AT TIME ZONE %s)::text, 16), ''),
               COALESCE(left((r.last_out_at AT TIME ZONE %s)::text, 16), ''),
               r.status, r.worked_minutes, r.late_minutes, r.early_leave_minutes, {safe_cell_sql("r.note")}, r.source
        FROM {records_sql.TABLE} r
        JOIN access_membership m ON m.id = r.member_id
        JOIN auth_user u ON u.id = m.user_id
        WHERE {where}
        ORDER BY r.work_date, m.employee_no, r.id
    """
    # One read-only transaction for its settings: ISO output (which psycopg needs anyway to read dates)
    # makes `timestamp::text` read "2026-03-02 09:00:00", whose first 16 characters are the file's time
    # format (cheaper than to_char), and compiling the expressions (JIT) costs more than it saves here.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'ISO'")
        cursor.execute("SET LOCAL jit = off")
        raw = cursor.cursor
        # COPY takes no server-side parameters: psycopg binds them on the client (mogrify).
        statement = ClientCursor(raw.connection).mogrify(
            query, [organization.timezone, organization.timezone, *params]
        )
        with raw.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)") as copy:
            buffer = bytearray()
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            if buffer:
                yield bytes(buffer)


def _python_rows(organization: Organization, filters: dict) -> Iterator[bytes]:
    from apps.attendance.models import DailyRecord

    tz = organization.tzinfo
    records = DailyRecord.objects.for_org(organization)
    if "from" in filters:
        records = records.filter(work_date__gte=filters["from"])
    if "to" in filters:
        records = records.filter(work_date__lte=filters["to"])
    for name, field in (
        ("member", "member_id"),
        ("batch", "source_batch_id"),
        ("status", "status"),
        ("source", "source"),
    ):
        if filters.get(name):
            records = records.filter(**{f"{field}__in": filters[name]})
    rows = records.order_by("work_date", "member__employee_no", "id").values_list(
        "work_date", "member__employee_no", "member__display_name", "member__user__username", "member__external_id",
        "member__department", "first_in_at", "last_out_at", "status", "worked_minutes", "late_minutes",
        "early_leave_minutes", "note", "source",
    )  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows.iterator(chunk_size=2000):
        day, number, display, username, external, department, first, last, status, *numbers, note, source = (
            row
        )
        writer.writerow(
            (
                day.isoformat(), safe_cell(number), safe_cell(display or username), safe_cell(external),
                safe_cell(department),
                first.astimezone(tz).strftime("%Y-%m-%d %H:%M") if first else "",
                last.astimezone(tz).strftime("%Y-%m-%d %H:%M") if last else "",
                status, *numbers, safe_cell(note), source,
            )
        )  # fmt: skip
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
