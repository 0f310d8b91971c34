"""The operation log over the API: list (cursor pages), CSV export (streamed), summary."""

import csv
import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from apps.access.api.permissions import AdminView
from apps.audit.api import serializers as s
from apps.audit.filters import OperationLogFilter
from apps.audit.selectors import audit_log_summary
from apps.audit.services import audit_record
from apps.core.filters import filtered
from apps.core.ratelimit import rate_limited
from apps.core.spreadsheet import csv_response, safe_cell

TAGS = ["audit"]
FILTER_PARAMETERS = [
    OpenApiParameter("actor", str, description="User name, or user id."),
    OpenApiParameter("action", str, description="Action prefix, e.g. `access.role.` or `imports.`."),
    OpenApiParameter(
        "target", str, description="`type:id` (e.g. `access.membership:12`), a target id or type."
    ),
    OpenApiParameter("result", str, enum=["ok", "denied", "failed"]),
    OpenApiParameter("from", str, description="From this date (org timezone) or ISO date-time, inclusive."),
    OpenApiParameter("to", str, description="Up to this date (inclusive) or ISO date-time (exclusive)."),
    OpenApiParameter("q", str, description="Free text in action, actor, target, request id or details."),
]
EXPORT_COLUMNS = [
    "sequence",
    "created_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "result",
    "ip",
    "request_id",
    "user_agent",
    "details",
    "entry_hash",
]


class LogCursorPagination(CursorPagination):
    """Newest first by the chain sequence: unique within an organization, so pages never skip or repeat
    an entry while new ones are written."""

    ordering = "-sequence"
    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 200


class AuditLogListView(AdminView):
    pagination_class = LogCursorPagination

    @extend_schema(
        operation_id="audit_logs",
        tags=TAGS,
        parameters=[*FILTER_PARAMETERS, OpenApiParameter("pageSize", int), OpenApiParameter("cursor", str)],
        responses=s.OperationLogOut(many=True),
    )
    def get(self, request):
        entries = filtered(OperationLogFilter(request.query_params, organization=self.organization))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(s.OperationLogOut(page, many=True).data)


class CsvRenderer(BaseRenderer):
    """Lets a client ask for text/csv; errors still go out as the JSON envelope text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, cls=DjangoJSONEncoder).encode()


class _Echo:
    def write(self, value: str) -> str:
        return value


class AuditLogExportView(AdminView):
    def get_renderers(self):
        return [*super().get_renderers(), CsvRenderer()]

    @extend_schema(
        operation_id="audit_logs_export",
        tags=TAGS,
        parameters=FILTER_PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, oldest first.")},
    )
    @rate_limited("export")
    def get(self, request):
        logs = OperationLogFilter(request.query_params, organization=self.organization)
        entries = filtered(logs).select_related(None).order_by("sequence")
        audit_record(
            action="audit.log.export",
            actor=self.admin,
            target_type="audit.operationlog",
            details=logs.as_json(),
        )
        writer = csv.writer(_Echo())

        def rows():
            yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)  # the BOM makes Excel read UTF-8
            for entry in entries.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        safe_cell(value)
                        for value in (
                            entry.sequence,
                            entry.created_at.isoformat(),
                            entry.actor_label,
                            entry.action,
                            entry.target_type,
                            entry.target_id,
                            entry.result,
                            entry.ip or "",
                            entry.request_id,
                            entry.user_agent,
                            json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
                            entry.entry_hash,
                        )
                    ]
                )

        filename = f"audit-log-{self.organization.slug}.csv"
        return csv_response(rows(), filename)


class AuditLogSummaryView(AdminView):
    @extend_schema(
        operation_id="audit_logs_summary", tags=TAGS, parameters=FILTER_PARAMETERS, responses=s.SummaryOut
    )
    def get(self, request):
        logs = OperationLogFilter(request.query_params, organization=self.organization)
        entries = filtered(logs)
        since, until = logs.window
        return Response(s.SummaryOut(audit_log_summary(entries=entries, since=since, until=until)).data)
