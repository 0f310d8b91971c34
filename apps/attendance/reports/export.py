"""The reports as CSV, through the kernel's spreadsheet-safe cells (a formula is shown as text)."""

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext_lazy

from apps.attendance.reports.attendance_summary import AttendanceSummary
from apps.attendance.reports.leave_summary import LeaveSummary
from apps.core.spreadsheet import BOM, safe_cell

LEAVE_HEADERS = (
    gettext_lazy("Year"),
    gettext_lazy("Employee no."),
    gettext_lazy("Name"),
    gettext_lazy("User name"),
    gettext_lazy("Department"),
    gettext_lazy("Leave type code"),
    gettext_lazy("Leave type"),
    gettext_lazy("Unit"),
    gettext_lazy("Taken"),
    gettext_lazy("Pending"),
    gettext_lazy("Remaining"),
)
ATTENDANCE_HEADERS = (
    gettext_lazy("From"),
    gettext_lazy("To"),
    gettext_lazy("Employee no."),
    gettext_lazy("Name"),
    gettext_lazy("User name"),
    gettext_lazy("Department"),
    gettext_lazy("Days"),
    gettext_lazy("Worked hours"),
    gettext_lazy("Late (days)"),
    gettext_lazy("Late (minutes)"),
    gettext_lazy("Left early (days)"),
    gettext_lazy("Left early (minutes)"),
    gettext_lazy("Absences"),
    gettext_lazy("Leave days"),
)
CHUNK_ROWS = 500


def _csv(headers, rows: Iterator[tuple], *, bom: bool) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([str(header) for header in headers])
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(cell) for cell in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def leave_summary_csv(summary: LeaveSummary, *, bom: bool) -> Iterator[bytes]:
    """The summary's rows as CSV (cells a spreadsheet would run as a formula are escaped)."""
    rows = (
        (
            summary.year,
            row.employee_no,
            row.name,
            row.username,
            row.department,
            row.leave_type_code,
            row.leave_type_name,
            row.unit,
            row.taken,
            row.pending,
            "" if row.remaining is None else row.remaining,
        )
        for row in summary.rows
    )
    return _csv(LEAVE_HEADERS, rows, bom=bom)


def attendance_summary_csv(summary: AttendanceSummary, *, bom: bool) -> Iterator[bytes]:
    rows = (
        (
            summary.start.isoformat(),
            summary.end.isoformat(),
            row.employee_no,
            row.name,
            row.username,
            row.department,
            row.days,
            row.worked_hours,
            row.late_count,
            row.late_minutes,
            row.early_leave_count,
            row.early_leave_minutes,
            row.absences,
            row.leave_days,
        )
        for row in summary.rows
    )
    return _csv(ATTENDANCE_HEADERS, rows, bom=bom)
