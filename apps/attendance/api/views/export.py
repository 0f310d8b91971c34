"""The records export (CSV, streamed; docs/imports.md "Export")."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from apps.access.api.permissions import CanImport, require_membership
from apps.attendance import export, selectors
from apps.attendance.filters import RecordExportFilter
from apps.core.filters import filtered
from apps.core.ratelimit import rate_limited
from apps.core.renderers import CSVRenderer
from apps.core.spreadsheet import csv_response


class RecordsExportView(APIView):
    permission_classes = [IsAuthenticated, CanImport]
    renderer_classes = [*APIView.renderer_classes, CSVRenderer]

    @extend_schema(
        operation_id="records_export_csv",
        tags=["attendance"],
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("member", str, description="member ids, comma separated"),
            OpenApiParameter("status", str, description="statuses, comma separated"),
            OpenApiParameter("source", str, description="computed, import, adjustment, admin"),
            OpenApiParameter("batch", str, description="import batch ids, comma separated"),
            OpenApiParameter("bom", bool, description="start with a UTF-8 BOM (for Excel)"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @rate_limited("export")
    def get(self, request):
        member = require_membership(request)
        records = filtered(
            RecordExportFilter(
                request.query_params, queryset=selectors.records_of(organization=member.organization)
            )
        )
        bom = request.query_params.get("bom", "").lower() in {"1", "true", "yes"}
        chunks = export.records_csv(organization=member.organization, records=records, bom=bom)
        return csv_response(chunks, "attendance-records.csv")
