"""Where uploads live (MEDIA_ROOT/imports/<2 hex>/<random name>) and how bytes reach them:
in chunks, hashed and counted on the way, refused as soon as they pass the size limit."""

import hashlib
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.core.errors import PayloadTooLarge
from apps.imports import reading

UPLOAD_DIR = "imports"
RAW_CHUNK = 256 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # a form's boundaries and headers around the file part
LINE_BREAKS = re.compile(rb"[\r\n]+")


def too_large() -> PayloadTooLarge:
    limit = settings.IMPORT_UPLOAD_MAX_BYTES
    return PayloadTooLarge(
        "PAYLOAD_TOO_LARGE",
        _("The file is larger than the %(limit)s MB limit; split it into smaller files.")
        % {"limit": f"{limit / 1024 / 1024:.0f}"},
        {"maxBytes": limit},
    )


def absolute_path(upload) -> Path:
    return Path(settings.MEDIA_ROOT) / upload.path


class StreamingWriter:
    """Writes a file chunk by chunk, keeping its size, SHA-256, newline count and first bytes."""

    def __init__(self):
        name = uuid.uuid4().hex
        self.relative = f"{UPLOAD_DIR}/{name[:2]}/{name}"
        self.path = Path(settings.MEDIA_ROOT) / self.relative
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("wb")
        self._sha = hashlib.sha256()
        self.size = 0
        self.lines = 0
        self.head = b""
        self.limit = settings.IMPORT_UPLOAD_MAX_BYTES
        self.exceeded = False
        self._last = b""
        self.kept = False  # set once an Upload row owns the file

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.exceeded = True
            self.discard()
            raise too_large()
        if len(self.head) < reading.SNIFF_BYTES:
            self.head += chunk[: reading.SNIFF_BYTES - len(self.head)]
        self._sha.update(chunk)
        # Runs of line breaks, so blank lines do not count: a cheap estimate of the data rows.
        self.lines += len(LINE_BREAKS.findall(chunk))
        if chunk:
            self._last = chunk[-1:]
        self._handle.write(chunk)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        if self._last and self._last not in (b"\n", b"\r"):
            self.lines += 1  # the last line has no newline

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def discard(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        self.path.unlink(missing_ok=True)


class StoredFile(UploadedFile):
    def __init__(self, writer: StreamingWriter, name: str, content_type: str):
        super().__init__(file=None, name=name, content_type=content_type, size=writer.size)
        self.writer = writer


class StorageUploadHandler(FileUploadHandler):
    """Streams an upload's file straight to its final place (no copy through memory or a temporary file)
    and refuses it at the size limit: a multipart form's file part (as a Django upload handler), or a
    raw request body (`receive_stream`, for the raw-body parsers)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.writer: StreamingWriter | None = None
        self.exceeded = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.IMPORT_UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
            raise too_large()  # before reading a byte

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.writer is not None:  # one file per upload; ignore any further file parts
            raise StopUpload(connection_reset=False)
        self.writer = StreamingWriter()

    def receive_data_chunk(self, raw_data, start):
        try:
            self.writer.write(raw_data)
        except PayloadTooLarge:
            self.exceeded = True
            raise StopUpload(connection_reset=False) from None  # reads (and drops) the rest of the body
        return None

    def file_complete(self, file_size):
        self.writer.close()
        return StoredFile(self.writer, self.file_name, self.content_type)

    def upload_complete(self):
        if self.exceeded:
            raise too_large()

    def receive_stream(self, stream, *, name: str, content_type: str, length: int) -> StoredFile:
        """The whole of `stream` (a raw request body of `length` bytes) as the upload's file."""
        if length > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise too_large()
        self.writer = StreamingWriter()
        for chunk in iter(lambda: stream.read(RAW_CHUNK), b""):
            self.writer.write(chunk)
        self.writer.close()
        return StoredFile(self.writer, name, content_type)

    def discard_unkept(self) -> None:
        """Refused or failed: nothing stays on disk."""
        if self.writer is not None and not self.writer.kept:
            self.writer.discard()


def upload_handler(request: HttpRequest) -> StorageUploadHandler:
    """The request's storage handler, attached (as its only upload handler) on first use. Attach it before
    anything reads the body: the session's CSRF check parses a multipart form."""
    handler = getattr(request, "_import_upload_handler", None)
    if handler is None:
        handler = request._import_upload_handler = StorageUploadHandler(request)
        request.upload_handlers = [handler]
    return handler
