"""The import pipeline's API: thin views over services and selectors (see docs/imports.md)."""

import csv
import io

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanImport, require_membership
from apps.core.ratelimit import rate_limited
from apps.core.renderers import CSVRenderer
from apps.core.spreadsheet import BOM, csv_response, safe_cell
from apps.imports import formats, storage
from apps.imports.api import parsers
from apps.imports.api import serializers as s
from apps.imports.filters import ImportItemFilter
from apps.imports.models import ImportItem
from apps.imports.selectors import batch_for, batches_for, items_for, job_for
from apps.imports.services import commits, previews, rollback, tokens, uploads

TAGS = ["imports"]


class ImportView(APIView):
    permission_classes = [IsAuthenticated, CanImport]


class TemplateView(ImportView):
    renderer_classes = [*APIView.renderer_classes, CSVRenderer]

    @extend_schema(
        operation_id="import_template",
        tags=TAGS,
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv: a CSV with a BOM")
        ],
        responses={200: s.ImportTemplateOut, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        if request.query_params.get("format") == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(formats.TEMPLATE_HEADERS)
            writer.writerow(formats.TEMPLATE_EXAMPLE)
            # The BOM makes Excel read the file as UTF-8, so the Chinese headers show correctly.
            return csv_response(
                [BOM.encode() + buffer.getvalue().encode()], "attendance-import-template.csv", streaming=False
            )
        return Response(
            {
                "headers": list(formats.TEMPLATE_HEADERS),
                "example": list(formats.TEMPLATE_EXAMPLE),
                "fields": formats.template_description(),
                "status_labels": {
                    label: value for label, value in formats.STATUS_LABELS.items() if not label.isascii()
                },
                "formats": ["template", "dingtalk_daily", "custom", "mapped"],
                "max_bytes": settings.IMPORT_UPLOAD_MAX_BYTES,
                "max_rows": settings.IMPORT_MAX_ROWS,
            }
        )


class UploadView(ImportView):
    """Multipart (`file`), a raw body (text/csv, application/octet-stream, .xlsx) or JSON `csvText`."""

    # One parser class each (api/parsers.py): the view sees a stored file or the text, never the body.
    parser_classes = parsers.UPLOAD_PARSERS
    content_negotiation_class = parsers.UploadNegotiation

    def initial(self, request, *args, **kwargs):
        # Before authentication: the session's CSRF check reads the form, which parses a multipart body,
        # and its file should stream straight to storage rather than through a temporary copy.
        storage.upload_handler(request._request)
        super().initial(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        # Whatever happens (a 4xx, an error no handler answers), a file no upload row owns is deleted.
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            handler = getattr(request, "_import_upload_handler", None)
            if handler is not None:
                handler.discard_unkept()

    @extend_schema(
        operation_id="import_upload",
        tags=TAGS,
        request={
            "multipart/form-data": s.UploadMultipartIn,
            "application/json": s.UploadTextIn,
            "text/csv": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        parameters=[OpenApiParameter("filename", str, description="name of a raw-body upload")],
        responses={
            201: s.ImportUploadOut,
            400: OpenApiResponse(description="unreadable file"),
            413: OpenApiResponse(),
        },
    )
    @rate_limited("import_upload")
    def post(self, request):
        member = require_membership(request)
        data = s.UploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = uploads.upload_receive(member=member, **data.validated_data)
        return Response(s.ImportUploadOut(upload).data, status=status.HTTP_201_CREATED)


class PreviewView(ImportView):
    @extend_schema(
        operation_id="import_preview",
        tags=TAGS,
        request=s.PreviewIn,
        responses={200: s.PreviewOut, 202: s.ImportJobOut},
    )
    @rate_limited("import_preview")
    def post(self, request):
        data = s.PreviewIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = previews.preview_run(member=require_membership(request), **data.validated_data)
        if outcome.job is not None:
            return Response(s.ImportJobOut(outcome.job).data, status=status.HTTP_202_ACCEPTED)
        return Response(outcome.result)


class PrepareView(ImportView):
    @extend_schema(
        operation_id="import_prepare", tags=TAGS, request=s.PrepareIn, responses={201: s.PrepareOut}
    )
    @rate_limited("import_prepare")
    def post(self, request):
        data = s.PrepareIn(data=request.data)
        data.is_valid(raise_exception=True)
        prepared = tokens.commit_token_prepare(member=require_membership(request), **data.validated_data)
        return Response(s.PrepareOut(prepared).data, status=status.HTTP_201_CREATED)


class CommitView(ImportView):
    @extend_schema(
        operation_id="import_commit",
        tags=TAGS,
        request=s.CommitIn,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: s.ImportBatchOut,
            202: s.ImportCommitAcceptedOut,
            422: OpenApiResponse(description="rows not valid"),
        },
    )
    @rate_limited("import_commit")
    def post(self, request):
        data = s.CommitIn(
            data=request.data, context={"header_key": request.headers.get("Idempotency-Key", "")}
        )
        data.is_valid(raise_exception=True)
        outcome = commits.batch_commit(member=require_membership(request), **data.validated_data)
        batch = s.ImportBatchOut(outcome.batch, context={"replay": outcome.replay}).data
        if outcome.accepted:
            body = {"batch": batch, "job": s.ImportJobOut(outcome.job).data}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return Response(batch)


class JobView(ImportView):
    @extend_schema(operation_id="import_job", tags=TAGS, responses=s.ImportJobOut)
    def get(self, request, job_id: int):
        return Response(s.ImportJobOut(job_for(member=require_membership(request), job_id=job_id)).data)


class BatchListView(ListAPIView):
    permission_classes = [IsAuthenticated, CanImport]
    serializer_class = s.ImportBatchOut
    filter_backends: list = []

    def get_queryset(self):
        return batches_for(member=require_membership(self.request))

    @extend_schema(operation_id="import_batches", tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BatchDetailView(ImportView):
    @extend_schema(operation_id="import_batch", tags=TAGS, responses=s.ImportBatchOut)
    def get(self, request, batch_id: int):
        return Response(
            s.ImportBatchOut(batch_for(member=require_membership(request), batch_id=batch_id)).data
        )


class BatchItemsView(ListAPIView):
    permission_classes = [IsAuthenticated, CanImport]
    serializer_class = s.ImportItemOut
    filterset_class = ImportItemFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks which model it lists
            return ImportItem.objects.none()
        return items_for(
            batch=batch_for(member=require_membership(self.request), batch_id=self.kwargs["batch_id"])
        )

    @extend_schema(
        operation_id="import_batch_items",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "status", str, enum=["imported", "skipped", "failed", "created", "updated", "unchanged"]
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BatchErrorsView(ImportView):
    renderer_classes = [*APIView.renderer_classes, CSVRenderer]

    @extend_schema(
        operation_id="import_batch_errors", tags=TAGS, responses={(200, "text/csv"): OpenApiTypes.BINARY}
    )
    @rate_limited("export")
    def get(self, request, batch_id: int):
        batch = batch_for(member=require_membership(request), batch_id=batch_id)
        rows = (
            items_for(batch=batch)
            .exclude(status="imported")
            .values_list("line", "error_code", "error_message", "raw")
        )

        def chunks():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(["行号 line", "错误 code", "说明 message", *batch.options.get("headers", [])])
            yield BOM.encode() + buffer.getvalue().encode()
            for line, code, message, raw in rows.iterator(chunk_size=2000):
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([line, code, message, *(safe_cell(cell) for cell in raw or [])])
                yield buffer.getvalue().encode()

        return csv_response(chunks(), f"import-{batch.pk}-errors.csv")


class BatchRollbackView(ImportView):
    @extend_schema(operation_id="import_batch_rollback", tags=TAGS, request=None, responses=s.ImportBatchOut)
    @rate_limited("import_commit")
    def post(self, request, batch_id: int):
        member = require_membership(request)
        batch = rollback.batch_rollback(member=member, batch=batch_for(member=member, batch_id=batch_id))
        return Response(s.ImportBatchOut(batch).data)
