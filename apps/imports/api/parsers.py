"""How an upload's body becomes request data: DRF parser classes, chosen by DRF's content negotiation.

- multipart/form-data: the `file` part streams straight to storage through the request's
  StorageUploadHandler (attached by the view before authentication, whose CSRF check may parse the form);
- a raw body (text/csv, text/plain, application/octet-stream, .xlsx, or no content type): the body is
  the file, named by `?filename=`;
- application/json: `{"csvText", "filename"}` for small files, refused past DATA_UPLOAD_MAX_MEMORY_SIZE
  before it is read.

Every parser gives the view the same shape: `file` (a StoredFile) or `csv_text`, and `filename`.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from djangorestframework_camel_case.parser import CamelCaseJSONParser, CamelCaseMultiPartParser
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, DataAndFiles

from apps.core.errors import PayloadTooLarge, ValidationFailed
from apps.imports import storage


def _length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class InlineTextParser(CamelCaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        if _length(parser_context["request"]) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(
                "PAYLOAD_TOO_LARGE", _("csvText is for small files; upload larger ones as a file.")
            )
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict) or "csv_text" not in data:
            # A JSON upload is the {"csvText"} form; without it nothing says what to store.
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("Send the file's text as csvText."),
                {"fields": {"csvText": [_("This field is required.")]}},
            )
        return data


class UploadMultiPartParser(CamelCaseMultiPartParser):
    """Django's multipart parser with the request's own upload handlers (the storage handler)."""


class RawFileParser(BaseParser):
    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        stored = storage.upload_handler(request._request).receive_stream(
            stream,
            name=request.query_params.get("filename") or "upload.csv",
            content_type=media_type or "",
            length=_length(request),
        )
        return DataAndFiles({}, {"file": stored})


class CSVFileParser(RawFileParser):
    media_type = "text/csv"


class TextFileParser(RawFileParser):
    media_type = "text/plain"


class WorkbookFileParser(RawFileParser):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


UPLOAD_PARSERS = [
    UploadMultiPartParser,
    InlineTextParser,
    CSVFileParser,
    TextFileParser,
    RawFileParser,
    WorkbookFileParser,
]


class UploadNegotiation(DefaultContentNegotiation):
    """A body without a content type is a raw file (curl --data-binary, scripts)."""

    def select_parser(self, request, parsers):
        if not request.content_type:
            return next(parser for parser in parsers if type(parser) is RawFileParser)
        return super().select_parser(request, parsers)
