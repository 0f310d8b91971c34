"""Uploads: a file streamed to storage, checked for a readable type and encoding, then recorded."""

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.audit.services import audit_record
from apps.core.errors import PayloadTooLarge, Unprocessable, ValidationFailed
from apps.imports import reading, storage, workbook
from apps.imports.models import Upload
from apps.imports.selectors import upload_for

FILENAME_MAX = 255


def upload_receive(
    *, member: Membership, file: storage.StoredFile | None = None, csv_text: str | None = None,
    filename: str = "",
) -> Upload:  # fmt: skip
    """What `POST upload` received: a file already streamed to storage (multipart or raw body) or
    inline `csvText`. Neither means the body was empty."""
    if file is not None:
        return upload_create_from_writer(member=member, writer=file.writer, filename=file.name or "")
    if csv_text is not None:
        return upload_create_from_text(member=member, text=csv_text, filename=filename)
    raise Unprocessable("IMPORT_NO_ROWS", _("The file is empty: it has no rows."))


def upload_from_source(
    *, member: Membership, upload_id: int | None = None, csv_text: str | None = None, filename: str = ""
) -> Upload:
    """The upload a preview or prepare names (`uploadId`), or a new one of its inline `csvText`."""
    if csv_text is not None:
        return upload_create_from_text(member=member, text=csv_text, filename=filename)
    return upload_for(member=member, upload_id=upload_id)


def upload_create_from_writer(
    *, member: Membership, writer: storage.StreamingWriter, filename: str
) -> Upload:
    """Record a file already streamed by `writer`. An empty or unreadable file is deleted and refused."""
    writer.close()
    try:
        if writer.exceeded:
            raise storage.too_large()
        file_type, encoding = reading.sniff(writer.head)
        # A workbook is checked against its limits now (a bomb is refused before anyone parses it), and
        # its line count is its sheet's rows, not the newlines of the zip's bytes.
        if file_type == "xlsx":
            line_count = workbook.scan(writer.path)
        elif encoding == "utf-16":  # the byte counter reads UTF-8 and GB18030 only: count the text
            line_count = storage.count_text_lines(writer.path, encoding)
        else:
            line_count = writer.lines
        now = timezone.now()
        with transaction.atomic():
            upload = Upload.objects.create(
                organization=member.organization,
                created_by=member.user,
                filename=(filename or "upload.csv")[-FILENAME_MAX:],
                path=writer.relative,
                size=writer.size,
                sha256=writer.sha256,
                file_type=file_type,
                encoding=encoding,
                line_count=line_count,
                created_at=now,
                expires_at=now + timedelta(hours=settings.IMPORT_UPLOAD_TTL_HOURS),
            )
            audit_record(
                action="imports.upload.create",
                actor=member,
                target=upload,
                details={"filename": upload.filename, "size": upload.size, "fileType": file_type},
            )
        writer.kept = True
    except BaseException:  # refused or failed (a 4xx, a database error): nothing stays on disk
        writer.discard()
        raise
    return upload


def upload_create_from_chunks(*, member: Membership, chunks: Iterable[bytes], filename: str) -> Upload:
    writer = storage.StreamingWriter()
    try:
        for chunk in chunks:
            writer.write(chunk)
    except PayloadTooLarge:
        raise
    except Exception:
        writer.discard()
        raise
    return upload_create_from_writer(member=member, writer=writer, filename=filename)


def upload_create_from_text(*, member: Membership, text: str, filename: str = "") -> Upload:
    """`csvText` sent inline in JSON (small files); stored as UTF-8 like any upload."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed("IMPORT_NO_ROWS", _("csvText is empty: the file has no rows."))
    if len(text) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(
            "PAYLOAD_TOO_LARGE", _("csvText is for small files; upload larger ones as a file.")
        )
    data = text.encode("utf-8")
    return upload_create_from_chunks(
        member=member,
        chunks=(data[start : start + 65536] for start in range(0, len(data), 65536)),
        filename=filename or "inline.csv",
    )


def upload_files_orphaned_purge(*, now=None) -> int:
    """Delete files under MEDIA_ROOT/imports/ that no upload owns, once they are a day old: what a process
    killed while receiving a file leaves (a failed request deletes its file itself)."""
    now = now or timezone.now()
    root = Path(settings.MEDIA_ROOT) / storage.UPLOAD_DIR
    if not root.is_dir():
        return 0
    cutoff = (now - timedelta(hours=settings.IMPORT_UPLOAD_TTL_HOURS)).timestamp()
    old = {
        f"{storage.UPLOAD_DIR}/{path.relative_to(root).as_posix()}": path
        for path in root.glob("*/*")
        if path.is_file() and path.stat().st_mtime < cutoff
    }
    names = list(old)
    owned: set[str] = set()
    for start in range(0, len(names), 500):
        owned |= set(
            Upload.objects.filter(path__in=names[start : start + 500]).values_list("path", flat=True)
        )
    removed = 0
    for name, path in old.items():
        if name not in owned:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def upload_purge_expired(*, now=None) -> int:
    """Delete the files of expired uploads (the rows stay, so a late request gets 410, not 404)."""
    now = now or timezone.now()
    purged = 0
    expired = Upload.objects.filter(expires_at__lte=now, purged_at__isnull=True).only(
        "id", "path", "organization_id"
    )
    for upload in expired.iterator(chunk_size=500):
        storage.absolute_path(upload).unlink(missing_ok=True)
        Upload.objects.filter(pk=upload.pk).update(purged_at=now)
        purged += 1
    if purged:
        audit_record(action="imports.upload.purge", details={"purged": purged}, actor_label="janitor")
    return purged
