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

BOM = b"\xef\xbb\xbf"

UPLOAD_DIR = "imports"
RAW_CHUNK = 256 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # a form's boundaries and headers around the file part
# A byte that makes a CSV line more than blank: anything but separators, quotes, spaces and line ends
# (no byte of a UTF-8 or GB18030 character is one of those).
_CONTENT = re.compile(rb"[^\r\n\t ,\"]")
# A line end followed by a line that holds content (in the same chunk).
_NEXT_LINE_WITH_CONTENT = re.compile(rb"\n[\t ,\"\r]*[^\r\n\t ,\"]")


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


class LineCounter:
    """Counts the CSV records that hold a value, fed a file's bytes (UTF-8 or GB18030) chunk by chunk: not
    blank lines nor rows of empty cells (`,,,,`), and a line end inside a quoted cell starts no record; the
    rows the reader yields, whatever the chunks' boundaries. LF or CRLF line ends (docs/imports.md,
    Formats). An .xlsx's count is its sheet's rows instead (workbook.scan)."""

    def __init__(self):
        self.lines = 0
        # Whether the line the last chunk ended in is counted already, whether that line began inside a
        # quoted cell, and whether the bytes so far end inside quotes.
        self._counted = False
        self._began_quoted = False
        self._quoted = False

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if b'"' not in chunk and not self._quoted:
            # The common case, at C speed: the line the last chunk ended in, then every line end followed
            # by content.
            first = chunk.find(b"\n")
            head = chunk if first < 0 else chunk[:first]
            if not self._counted and not self._began_quoted and _CONTENT.search(head):
                self.lines += 1
                self._counted = True
            if first < 0:
                return
            self.lines += len(_NEXT_LINE_WITH_CONTENT.findall(chunk, first))
            self._counted = bool(_CONTENT.search(chunk, chunk.rfind(b"\n") + 1))
            self._began_quoted = False
            return
        # Quotes: each line's parity says whether the next line begins inside a quoted cell.
        pieces = chunk.split(b"\n")
        last = len(pieces) - 1
        for index, piece in enumerate(pieces):
            if index:  # a line end: a new line starts, inside quotes or not
                self._counted, self._began_quoted = False, self._quoted
            if not self._counted and not self._began_quoted and _CONTENT.search(piece):
                self.lines += 1
                self._counted = True
            if piece.count(b'"') & 1:
                self._quoted = not self._quoted
            if index == last:
                break


def count_text_lines(path: Path, encoding: str) -> int:
    """The records of a text file in an encoding the byte counter cannot read (UTF-16), decoded."""
    counter = LineCounter()
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        for text in iter(lambda: handle.read(RAW_CHUNK), ""):
            counter.feed(text.encode())  # the codec drops the BOM
    return counter.lines


class StreamingWriter:
    """Writes a file chunk by chunk, keeping its size, SHA-256, line count and first bytes."""

    def __init__(self):
        name = uuid.uuid4().hex
        self.relative = f"{UPLOAD_DIR}/{name[:2]}/{name}"
        self.path = Path(settings.MEDIA_ROOT) / self.relative
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("wb")
        self._sha = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.limit = settings.IMPORT_UPLOAD_MAX_BYTES
        self.exceeded = False
        self.kept = False  # set once an Upload row owns the file
        self._counter = LineCounter()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.exceeded = True
            self.discard()
            raise too_large()
        if len(self.head) < reading.SNIFF_BYTES:
            self.head += chunk[: reading.SNIFF_BYTES - len(self.head)]
        self._sha.update(chunk)
        self._counter.feed(chunk if self.size > len(chunk) or not chunk.startswith(BOM) else chunk[3:])
        self._handle.write(chunk)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()

    @property
    def lines(self) -> int:
        return self._counter.lines

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
