"""The import pipeline's API: thin views over services and selectors (see docs/imports.md)."""

import csv
import io

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanImport, require_membership
from apps.core.errors import PayloadTooLarge, ValidationFailed
from apps.core.ratelimit import rate_limited
from apps.core.spreadsheet import csv_response, safe_cell
from apps.imports import export, formats, storage
from apps.imports.api import serializers as s
from apps.imports.selectors import batch_for, batches_for, items_for, job_for, upload_for
from apps.imports.services import commits, previews, rollback, tokens, uploads

TAGS = ["imports"]
RAW_TYPES = ("text/csv", "text/plain", "application/octet-stream", "application/vnd.openxmlformats")
MULTIPART_OVERHEAD = 64 * 1024


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` through DRF's content negotiation; the views answer CSV themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data or "").encode()


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
                [export.BOM + buffer.getvalue().encode()], "attendance-import-template.csv", streaming=False
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

    def initial(self, request, *args, **kwargs):
        # Must precede authentication: the CSRF check reads the form, which parses the multipart body,
        # and the file should stream straight to storage rather than through a temporary copy.
        self.upload_handler = None
        if request.content_type.startswith("multipart/form-data"):
            self.upload_handler = storage.StorageUploadHandler(request._request)
            request._request.upload_handlers = [self.upload_handler]
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        handler = getattr(self, "upload_handler", None)
        if handler is not None and handler.writer is not None and not handler.writer.kept:
            handler.writer.discard()  # refused or failed: nothing stays on disk
        return super().finalize_response(request, response, *args, **kwargs)

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
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        content_type = request.content_type
        if content_type.startswith("multipart/form-data"):
            if length > settings.IMPORT_UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
                raise storage.too_large()
            request._request.FILES  # noqa: B018 - parses the body through our handler
            handler = self.upload_handler
            if handler.exceeded:
                raise storage.too_large()
            if handler.writer is None:
                raise ValidationFailed("VALIDATION_ERROR", _("Send the file in a form field named file."),
                                       {"fields": {"file": [_("required")]}})  # fmt: skip
            upload = uploads.upload_create_from_writer(
                member=member, writer=handler.writer, filename=handler.file_name or ""
            )
        elif content_type.startswith("application/json"):
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                raise PayloadTooLarge(
                    "PAYLOAD_TOO_LARGE", _("csvText is for small files; upload larger ones as a file.")
                )
            data = s.UploadTextIn(data=request.data)
            data.is_valid(raise_exception=True)
            upload = uploads.upload_create_from_text(
                member=member,
                text=data.validated_data["csv_text"],
                filename=data.validated_data.get("filename", ""),
            )
        elif content_type.startswith(RAW_TYPES) or not content_type:
            if length > settings.IMPORT_UPLOAD_MAX_BYTES:
                raise storage.too_large()
            stream = request._request
            chunks = iter(lambda: stream.read(256 * 1024), b"")
            upload = uploads.upload_create_from_chunks(
                member=member, chunks=chunks, filename=request.query_params.get("filename", "upload.csv")
            )
        else:
            raise UnsupportedMediaType(content_type)
        return Response(s.ImportUploadOut(upload).data, status=status.HTTP_201_CREATED)


def _source_upload(request, data: dict):
    member = require_membership(request)
    if "csv_text" in data:
        if len(data["csv_text"]) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(
                "PAYLOAD_TOO_LARGE", _("csvText is for small files; upload larger ones as a file.")
            )
        return member, uploads.upload_create_from_text(
            member=member, text=data["csv_text"], filename=data.get("filename", "")
        )
    return member, upload_for(member=member, upload_id=data["upload_id"])


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
        values = data.validated_data
        options = previews.preview_options(
            mapping=values.get("mapping"), preview_limit=values["preview_limit"]
        )
        member, upload = _source_upload(request, values)
        if previews.preview_should_run_async(upload=upload, requested=values["async_"]):
            job = previews.preview_job_create(member=member, upload=upload, options=options)
            job.refresh_from_db()
            return Response(s.ImportJobOut(job).data, status=status.HTTP_202_ACCEPTED)
        result = previews.preview_compute(upload=upload, **options)
        return Response(result)


class PrepareView(ImportView):
    @extend_schema(
        operation_id="import_prepare", tags=TAGS, request=s.PrepareIn, responses={201: s.PrepareOut}
    )
    @rate_limited("import_prepare")
    def post(self, request):
        data = s.PrepareIn(data=request.data)
        data.is_valid(raise_exception=True)
        options = previews.preview_options(mapping=data.validated_data.get("mapping"), preview_limit=0)
        member, upload = _source_upload(request, data.validated_data)
        token, raw = tokens.commit_token_create(member=member, upload=upload, mapping=options["mapping"])
        return Response(
            {
                "commit_token": raw,
                "expires_at": token.expires_at,
                "ttl_seconds": settings.IMPORT_COMMIT_TOKEN_TTL_SECONDS,
                "upload_id": upload.pk,
            },
            status=status.HTTP_201_CREATED,
        )


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
        data = s.CommitIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        member = require_membership(request)
        outcome = commits.batch_commit_request(
            member=member,
            commit_token=values["commit_token"],
            idempotency_key=values.get("idempotency_key") or request.headers.get("Idempotency-Key", ""),
            on_error=values["on_error"],
            run_async=values["async_"],
        )
        batch = outcome.batch
        if not outcome.replay and not outcome.run_async:
            batch = commits.batch_commit_run(job_id=outcome.job.pk, in_request=True)
        batch.refresh_from_db()
        context = {"replay": outcome.replay}
        if batch.status == batch.Status.FAILED:
            raise commits.batch_error(batch)
        if batch.status == batch.Status.PENDING:
            outcome.job.refresh_from_db()
            body = {
                "batch": s.ImportBatchOut(batch, context=context).data,
                "job": s.ImportJobOut(outcome.job).data,
            }
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return Response(s.ImportBatchOut(batch, context=context).data)


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
    filter_backends: list = []

    def get_queryset(self):
        batch = batch_for(member=require_membership(self.request), batch_id=self.kwargs["batch_id"])
        return items_for(batch=batch, status=self.request.query_params.get("status", ""))

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
            yield export.BOM + buffer.getvalue().encode()
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


class RecordsExportView(ImportView):
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
        filters = export.export_filters(request.query_params)
        bom = request.query_params.get("bom", "").lower() in {"1", "true", "yes"}
        chunks = export.records_csv(organization=member.organization, filters=filters, bom=bom)
        return csv_response(chunks, "attendance-records.csv")
