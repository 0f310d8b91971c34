"""Each report described once: how its query parameters are read, how it is computed, written as CSV and
named as a file. The API's JSON and CSV views and the Admin Center's pages run a report through its
description, so reading the parameters (and refusing a bad one), scoping to the viewer and computing are
written once, not once per view."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from apps.access.models import Membership
from apps.attendance.reports.attendance_summary import attendance_summary, attendance_summary_params
from apps.attendance.reports.export import attendance_summary_csv, leave_summary_csv
from apps.attendance.reports.leave_summary import leave_summary, leave_summary_params


@dataclass(frozen=True)
class Report:
    read_params: Callable[..., dict]  # (params, *, viewer) -> the compute's keyword arguments; 400 / 404
    compute: Callable[..., Any]  # (*, viewer, **params) -> the summary, scoped to what the viewer sees
    to_csv: Callable[..., Iterable[str]]  # (summary, *, bom) -> CSV lines
    filename: Callable[[Any], str]  # summary -> the CSV file's name

    def run(self, params: Mapping, *, viewer: Membership):
        """The report for `viewer` from query parameters (a QueryDict or any mapping)."""
        return self.compute(viewer=viewer, **self.read_params(params, viewer=viewer))


LEAVE_SUMMARY = Report(
    read_params=leave_summary_params,
    compute=leave_summary,
    to_csv=leave_summary_csv,
    filename=lambda summary: f"leave-summary-{summary.year}.csv",
)
ATTENDANCE_SUMMARY = Report(
    read_params=attendance_summary_params,
    compute=attendance_summary,
    to_csv=attendance_summary_csv,
    filename=lambda summary: f"attendance-summary-{summary.start.isoformat()}-{summary.end.isoformat()}.csv",
)
