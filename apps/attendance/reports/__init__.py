"""The reports HR asks for (docs/reports.md): the leave summary of a year and the attendance summary of a
period, each one SQL query (conditional aggregates), scoped like the records: an employee sees themself, an
approver themself and their reports, an admin everyone (`selectors.visible_members`).

The API (`api/views/reports.py`), its CSV export and the Admin Center's Reports pages read them here; the
parameters are read here too (`params.py`), so a bad one is the same 400 everywhere; `catalog.py` describes
each report once (parameters, computation, CSV, file name) for those views.
"""

from apps.attendance.reports.attendance_summary import (
    AttendanceSummary,
    attendance_summary,
    attendance_summary_params,
)
from apps.attendance.reports.catalog import ATTENDANCE_SUMMARY, LEAVE_SUMMARY, Report
from apps.attendance.reports.export import attendance_summary_csv, leave_summary_csv
from apps.attendance.reports.leave_summary import LeaveSummary, leave_summary, leave_summary_params
from apps.attendance.reports.params import departments_for

__all__ = [
    "ATTENDANCE_SUMMARY",
    "LEAVE_SUMMARY",
    "AttendanceSummary",
    "LeaveSummary",
    "Report",
    "attendance_summary",
    "attendance_summary_csv",
    "attendance_summary_params",
    "departments_for",
    "leave_summary",
    "leave_summary_csv",
    "leave_summary_params",
]
