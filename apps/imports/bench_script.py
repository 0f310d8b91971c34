# A benchmark's fixed SQL: table and column names are constants, every value is a parameter.
# ruff: noqa: S608
"""The hand-written baseline `import_bench` compares the product with (issue 15, item 5): what a skilled
engineer writes to load the perf file with no product around it. One transaction: COPY the raw CSV
(PostgreSQL parses it, typed as date and time) into a temporary table, then one `INSERT ... SELECT ...
ON CONFLICT (member_id, work_date) DO UPDATE` into the daily records that maps the member by its DingTalk
UserId with a join and computes only what the product stores for such a row (both times in the
organization's timezone, the worked minutes, the result's status, the provenance and version). No
validation report, no items, no rollback snapshot, no audit line, no job: that is the point of it. It
writes the same table with the same indexes and triggers as the product, so the ratio is the price of
the product around the merge.

`copy_to` is the export's baseline: a bare `COPY (SELECT ...) TO STDOUT` of the same records with the
same columns (member joined), without the export's formula escaping or time formatting.

Do not slow these down: they are the yardstick (docs/imports.md, "Benchmark")."""

import time
from pathlib import Path

from django.db import connection, transaction

from apps.attendance.records_sql import TABLE  # the records table (imports never spell its name)

_RAW = "import_bench_script_rows"
_CREATE_RAW = (
    f"CREATE TEMP TABLE {_RAW} (work_date date, user_id text, grp text, check_in time, check_out time, "
    "result text) ON COMMIT DROP"
)
# DingTalk's daily results as the product reads them (a skilled engineer maps the handful it writes).
_STATUS = """CASE r.result WHEN '正常' THEN 'normal' WHEN '迟到' THEN 'late' WHEN '早退' THEN 'early_leave'
    WHEN '迟到早退' THEN 'late_early' WHEN '缺卡' THEN 'partial' WHEN '补卡' THEN 'adjusted'
    WHEN '旷工' THEN 'absent' WHEN '休息' THEN 'off' ELSE 'normal' END"""
_MERGE = f"""
INSERT INTO {TABLE} AS d (organization_id, member_id, work_date, first_in_at, last_out_at,
    worked_minutes, late_minutes, early_leave_minutes, status, note, approval_text, leave_minutes,
    overtime_minutes, source, source_batch_id, version, created_at, updated_at)
SELECT m.organization_id, m.id, r.work_date, (r.work_date + r.check_in) AT TIME ZONE %(tz)s,
    (r.work_date + r.check_out) AT TIME ZONE %(tz)s,
    (extract(epoch FROM r.check_out - r.check_in) / 60)::integer, 0, 0, {_STATUS}, '', '', NULL, NULL,
    'import', NULL, 1, now(), now()
FROM {_RAW} r JOIN access_membership m ON m.organization_id = %(org)s AND m.external_id = r.user_id
ON CONFLICT (member_id, work_date) DO UPDATE SET first_in_at = excluded.first_in_at,
    last_out_at = excluded.last_out_at, worked_minutes = excluded.worked_minutes,
    late_minutes = excluded.late_minutes, early_leave_minutes = excluded.early_leave_minutes,
    status = excluded.status, note = excluded.note, approval_text = excluded.approval_text,
    leave_minutes = excluded.leave_minutes, overtime_minutes = excluded.overtime_minutes,
    source = excluded.source, source_batch_id = excluded.source_batch_id, version = d.version + 1,
    updated_at = excluded.updated_at
"""
_EXPORT = f"""
SELECT d.work_date, m.employee_no, m.display_name, m.external_id, m.department, d.first_in_at, d.last_out_at,
    d.status, d.worked_minutes, d.late_minutes, d.early_leave_minutes, d.note, d.approval_text,
    d.leave_minutes, d.overtime_minutes, d.source
FROM {TABLE} d JOIN access_membership m ON m.id = d.member_id
WHERE d.organization_id = {{org}}
ORDER BY d.work_date, m.employee_no, d.id
"""


def load(path: Path, *, organization_id: int, timezone: str) -> tuple[float, int]:
    """Milliseconds to load the file into the records (fresh or over existing rows), and the rows written."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CREATE_RAW)
        with (
            path.open("rb") as handle,
            cursor.cursor.copy(f"COPY {_RAW} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1024 * 1024):
                copy.write(chunk)
        cursor.execute(_MERGE, {"org": organization_id, "tz": timezone})
        written = cursor.rowcount
    return (time.perf_counter() - started) * 1000, written


def copy_to(*, organization_id: int) -> tuple[float, int]:
    """Milliseconds of a bare `COPY (SELECT ...) TO STDOUT` (CSV) of the organization's records, read to
    the end by this process, and the bytes it sent."""
    started = time.perf_counter()
    size = 0
    with connection.cursor() as cursor:
        statement = _EXPORT.format(org=int(organization_id))
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
            for data in copy:
                size += len(data)
    return (time.perf_counter() - started) * 1000, size
