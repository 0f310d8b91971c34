"""The reports: the leave summary of a year and the attendance summary of a period, as JSON and as CSV
(docs/reports.md). Role-scoped like the records; computed in `apps/attendance/reports/` (each report described once in
`reports/catalog.py`)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, HasMembership, require_membership
from apps.attendance import reports
from apps.attendance.api import report_serializers as s
from apps.attendance.api.views._common import ERRORS
from apps.core.ratelimit import rate_limited
from apps.core.renderers import CSVRenderer
from apps.core.spreadsheet import csv_response

SCOPE = (
    "Employees see themselves, approvers themselves and their reports, admins everyone; a member outside "
    "that is 404."
)
DEPARTMENT = OpenApiParameter(
    "department",
    OpenApiTypes.STR,
    description="Only members of this department (400 UNKNOWN_DEPARTMENT when no member you see is in it).",
)
LEAVE_PARAMETERS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="1900-2199 (default: this year)."),
    DEPARTMENT,
    OpenApiParameter("member", OpenApiTypes.STR, description="Username or employee number."),
]
ATTENDANCE_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First work date (default: first of this month)."
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last work date (default: today); at most 366 days."
    ),
    DEPARTMENT,
]
BOM = OpenApiParameter("bom", bool, description="start with a UTF-8 BOM (for Excel)")


def _bom(request) -> bool:
    return request.query_params.get("bom", "").lower() in {"1", "true", "yes"}


# The two bases carry no docstring: drf-spectacular would take it as every report's description. Each view
# below names its report and output; its schema is its own (extend_schema_view on the inherited get).


class ReportView(APIView):
    # The report as JSON, for the viewer's scope.
    permission_classes = [HasMembership, CanRead]
    report: reports.Report
    output: type[Serializer]

    def get(self, request):
        summary = self.report.run(request.query_params, viewer=require_membership(request))
        return Response(self.output(summary).data)


class ReportExportView(ReportView):
    # The report's rows as CSV.
    renderer_classes = [*APIView.renderer_classes, CSVRenderer]

    @rate_limited("export")
    def get(self, request):
        summary = self.report.run(request.query_params, viewer=require_membership(request))
        return csv_response(self.report.to_csv(summary, bom=_bom(request)), self.report.filename(summary))


@extend_schema_view(
    get=extend_schema(
        operation_id="attendance_reports_leave_summary",
        tags=["reports"],
        parameters=LEAVE_PARAMETERS,
        responses={200: s.LeaveSummaryOut, **ERRORS},
        description="Per member and leave type: leave taken (approved, starting in the year), pending, and "
        "remaining (the balance at the year's end; null for a type without allowance or floor), with totals "
        f"per type. {SCOPE}",
    )
)
class LeaveSummaryView(ReportView):
    report, output = reports.LEAVE_SUMMARY, s.LeaveSummaryOut


@extend_schema_view(
    get=extend_schema(
        operation_id="attendance_reports_leave_summary_csv",
        tags=["reports"],
        parameters=[*LEAVE_PARAMETERS, BOM],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **ERRORS},
        description=f"The leave summary's rows as CSV (spreadsheet-safe). {SCOPE}",
    )
)
class LeaveSummaryExportView(ReportExportView):
    report = reports.LEAVE_SUMMARY


@extend_schema_view(
    get=extend_schema(
        operation_id="attendance_reports_attendance_summary",
        tags=["reports"],
        parameters=ATTENDANCE_PARAMETERS,
        responses={200: s.AttendanceSummaryOut, **ERRORS},
        description="Per member, per department and in total: days counted, worked hours, days late and "
        "minutes late, days leaving early and those minutes, absences and days on leave, from the daily "
        f"records of the period. Only days that are over count (before today). {SCOPE}",
    )
)
class AttendanceSummaryView(ReportView):
    report, output = reports.ATTENDANCE_SUMMARY, s.AttendanceSummaryOut


@extend_schema_view(
    get=extend_schema(
        operation_id="attendance_reports_attendance_summary_csv",
        tags=["reports"],
        parameters=[*ATTENDANCE_PARAMETERS, BOM],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **ERRORS},
        description=f"The attendance summary's member rows as CSV (spreadsheet-safe). {SCOPE}",
    )
)
class AttendanceSummaryExportView(ReportExportView):
    report = reports.ATTENDANCE_SUMMARY
