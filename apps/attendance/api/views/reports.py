"""The reports: the leave summary of a year and the attendance summary of a period, as JSON and as CSV
(docs/reports.md). Role-scoped like the records; computed in `apps/attendance/reports.py`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
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


def _leave_summary(request):
    viewer = require_membership(request)
    return reports.leave_summary(
        viewer=viewer, **reports.leave_summary_params(request.query_params, viewer=viewer)
    )


def _attendance_summary(request):
    viewer = require_membership(request)
    return reports.attendance_summary(
        viewer=viewer, **reports.attendance_summary_params(request.query_params, viewer=viewer)
    )


class LeaveSummaryView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_reports_leave_summary",
        tags=["reports"],
        parameters=LEAVE_PARAMETERS,
        responses={200: s.LeaveSummaryOut, **ERRORS},
        description="Per member and leave type: leave taken (approved, starting in the year), pending, and "
        "remaining (the balance at the year's end; null for a type without allowance or floor), with totals "
        f"per type. {SCOPE}",
    )
    def get(self, request):
        return Response(s.LeaveSummaryOut(_leave_summary(request)).data)


class LeaveSummaryExportView(APIView):
    permission_classes = [HasMembership, CanRead]
    renderer_classes = [*APIView.renderer_classes, CSVRenderer]

    @extend_schema(
        operation_id="attendance_reports_leave_summary_csv",
        tags=["reports"],
        parameters=[*LEAVE_PARAMETERS, BOM],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **ERRORS},
        description=f"The leave summary's rows as CSV (spreadsheet-safe). {SCOPE}",
    )
    @rate_limited("export")
    def get(self, request):
        summary = _leave_summary(request)
        return csv_response(
            reports.leave_summary_csv(summary, bom=_bom(request)), f"leave-summary-{summary.year}.csv"
        )


class AttendanceSummaryView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_reports_attendance_summary",
        tags=["reports"],
        parameters=ATTENDANCE_PARAMETERS,
        responses={200: s.AttendanceSummaryOut, **ERRORS},
        description="Per member, per department and in total: days counted, worked hours, days late and "
        "minutes late, days leaving early and those minutes, absences and days on leave, from the daily "
        f"records of the period. Only days that are over count (before today). {SCOPE}",
    )
    def get(self, request):
        return Response(s.AttendanceSummaryOut(_attendance_summary(request)).data)


class AttendanceSummaryExportView(APIView):
    permission_classes = [HasMembership, CanRead]
    renderer_classes = [*APIView.renderer_classes, CSVRenderer]

    @extend_schema(
        operation_id="attendance_reports_attendance_summary_csv",
        tags=["reports"],
        parameters=[*ATTENDANCE_PARAMETERS, BOM],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **ERRORS},
        description=f"The attendance summary's member rows as CSV (spreadsheet-safe). {SCOPE}",
    )
    @rate_limited("export")
    def get(self, request):
        summary = _attendance_summary(request)
        name = f"attendance-summary-{summary.start.isoformat()}-{summary.end.isoformat()}.csv"
        return csv_response(reports.attendance_summary_csv(summary, bom=_bom(request)), name)
