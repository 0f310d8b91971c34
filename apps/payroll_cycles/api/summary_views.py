"""Cycle summaries: the paginated table, the CSV export, and the job for large cycles."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, HasMembership, IsOrgAdmin, require_membership
from apps.attendance.selectors import member_lookup
from apps.core.errors import NotFound, ValidationFailed
from apps.core.pagination import StandardPagination
from apps.core.spreadsheet import csv_response
from apps.payroll_cycles import selectors, services
from apps.payroll_cycles.api import serializers as s
from apps.payroll_cycles.api.views import ERRORS, TAGS
from apps.payroll_cycles.models import SummaryJob
from apps.payroll_cycles.summary import cycle_summary
from apps.payroll_cycles.summary.export import summary_csv

SORTABLE = {
    "name": "name",
    "employeeNo": "employee_no",
    "workedMinutes": "worked_minutes",
    "regularMinutes": "regular_minutes",
    "overtimeMinutes": "overtime_minutes",
    "weightedOvertimeMinutes": "weighted_overtime_minutes",
    "lateMinutes": "late_minutes",
    "earlyLeaveMinutes": "early_leave_minutes",
    "leaveMinutes": "leave_minutes",
    "absentDays": "absent_days",
    "openAnomalies": "open_anomalies",
}
MEMBER_PARAMETER = OpenApiParameter(
    "member", OpenApiTypes.STR, description="Username or employee number (someone you may see; else 404)."
)


def _sort(request) -> tuple[str, bool] | None:
    raw = request.query_params.get("sort", "")
    if not raw:
        return None
    descending = raw.startswith("-")
    field = SORTABLE.get(raw.lstrip("-"))
    if field is None:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("sort must be one of %(fields)s (with - for descending).") % {"fields": ", ".join(SORTABLE)},
            {"fields": {"sort": [_("Invalid.")]}},
        )
    return field, descending


class _Page(list):
    """A page of member ids that knows the full count (the paginator slices members, not summaries)."""


class SummaryView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="payroll_cycles_summary",
        tags=TAGS,
        parameters=[
            MEMBER_PARAMETER,
            OpenApiParameter(
                "sort", OpenApiTypes.STR, description=f"One of {', '.join(SORTABLE)}; - for descending."
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("pageSize", OpenApiTypes.INT),
        ],
        responses={200: s.SummaryPageOut, **ERRORS},
        description="Per member: days, worked / regular / overtime minutes (workday, rest day, holiday, and "
        "weighted by the multipliers), late and early-leave counts and minutes, counts per status, leave "
        "minutes by type, absences and open anomalies. Employees see their own row, approvers their team's, "
        "admins everyone's. One SQL aggregation on PostgreSQL. Sorted by employee number unless `sort`.",
    )
    def get(self, request, pk: int):
        viewer = require_membership(request)
        cycle = selectors.cycle_get(viewer=viewer, cycle_id=pk)
        identifier = request.query_params.get("member", "")
        member = member_lookup(viewer=viewer, identifier=identifier) if identifier else None
        order = _sort(request)
        members = selectors.summary_members(viewer=viewer, member=member)
        paginator = StandardPagination()
        if order is None:
            page_ids = paginator.paginate_queryset(members.values_list("pk", flat=True), request, view=self)
            rows = cycle_summary(cycle=cycle, member_ids=list(page_ids))
        else:
            rows = cycle_summary(cycle=cycle, member_ids=list(members.values_list("pk", flat=True)))
            field, descending = order
            rows.sort(key=lambda row: (row[field], row["employee_no"], row["username"]), reverse=descending)
            rows = paginator.paginate_queryset(rows, request, view=self)
        response = paginator.get_paginated_response(s.SummaryRowOut(rows, many=True).data)
        response.data["cycle"] = s.CycleOut(cycle).data
        return response


class SummaryExportView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="payroll_cycles_summary_export",
        tags=TAGS,
        parameters=[
            MEMBER_PARAMETER,
            OpenApiParameter("bom", OpenApiTypes.BOOL, description="Start with a UTF-8 BOM (for Excel)."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
        description="The summary as CSV (streamed; cells starting with = + - @ are escaped), the same rows as "
        "the summary the caller may read.",
    )
    def get(self, request, pk: int):
        viewer = require_membership(request)
        cycle = selectors.cycle_get(viewer=viewer, cycle_id=pk)
        identifier = request.query_params.get("member", "")
        member = member_lookup(viewer=viewer, identifier=identifier) if identifier else None
        member_ids = None if member is None else [member.pk]
        member_ids = selectors.summary_member_ids_for(viewer=viewer, member_ids=member_ids)
        bom = request.query_params.get("bom", "").lower() in ("1", "true", "yes")
        return csv_response(
            summary_csv(cycle=cycle, member_ids=member_ids, bom=bom),
            f"payroll-summary-{cycle.start_date}-{cycle.end_date}.csv",
        )


class SummaryJobsView(APIView):
    permission_classes = [HasMembership, IsOrgAdmin]

    @extend_schema(
        operation_id="payroll_cycles_summary_job_create",
        tags=TAGS,
        request=None,
        responses={202: s.SummaryJobOut, **ERRORS},
        description="Admins: compute the full summary of a large cycle in the background (Celery); poll the "
        "job for its progress and result.",
    )
    def post(self, request, pk: int):
        viewer = require_membership(request)
        cycle = selectors.cycle_get(viewer=viewer, cycle_id=pk)
        job = services.summary_job_create(actor=viewer, cycle=cycle)
        return Response(s.SummaryJobOut(job).data, status=status.HTTP_202_ACCEPTED)


class SummaryJobView(APIView):
    permission_classes = [HasMembership, IsOrgAdmin]

    @extend_schema(
        operation_id="payroll_cycles_summary_job_read", tags=TAGS, responses={200: s.SummaryJobOut, **ERRORS}
    )
    def get(self, request, pk: int, job_id: int):
        viewer = require_membership(request)
        job = SummaryJob.objects.for_org(viewer.organization).filter(pk=job_id, cycle_id=pk).first()
        if job is None:
            raise NotFound("NOT_FOUND", _("No such summary job."))
        return Response(s.SummaryJobOut(job).data)
