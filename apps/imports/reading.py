"""Reading an uploaded file as rows of cells, streaming: CSV through an incremental decoder, .xlsx through
openpyxl's parsers within the limits of workbook.py. Nothing here holds the whole file.

Encodings are detected, never asked for: UTF-16 with its BOM (Excel's "Unicode text", tab-separated), UTF-8
(with or without BOM) when the first chunk decodes as UTF-8, otherwise GB18030 (what Excel on a Chinese
Windows writes). Anything else is refused clearly. The separator is a comma, or a tab when the first chunk
holds more tabs than commas.
"""

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from apps.core.errors import Unprocessable, ValidationFailed
from apps.imports import workbook

SNIFF_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
csv.field_size_limit(1024 * 1024)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sniff(head: bytes) -> tuple[str, str]:
    """(file_type, encoding) from the first bytes of a file; raises a 400 for what we cannot read."""
    if not head.strip(b"\r\n\t ") and not head.startswith(codecs.BOM_UTF8):
        raise Unprocessable("IMPORT_NO_ROWS", _("The file is empty: it has no rows."))
    if head.startswith(XLSX_MAGIC):
        return "xlsx", ""
    if head.startswith(OLE_MAGIC):
        raise ValidationFailed(
            "IMPORT_FORMAT_UNSUPPORTED",
            _("Old .xls workbooks are not supported; save the file as .xlsx or CSV."),
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf16_text(head):
        return "csv", "utf-16"  # the codec reads the BOM for the byte order
    if b"\x00" in head:
        raise ValidationFailed(
            "IMPORT_ENCODING_UNSUPPORTED",
            _("The file is not text in UTF-8 or GB18030 (is it UTF-16 or binary?); save it as CSV UTF-8."),
        )
    if head.startswith(codecs.BOM_UTF8):
        return "csv", "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: a character cut by the end of the chunk is not an error.
            codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return "csv", encoding
    raise ValidationFailed(
        "IMPORT_ENCODING_UNSUPPORTED",
        _("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 or .xlsx."),
    )


def _utf16_text(head: bytes) -> bool:
    """Whether bytes after a UTF-16 BOM read as a table: text with a line end or a separator, and no
    control characters (binary after two lucky bytes is not)."""
    try:
        text = codecs.getincrementaldecoder("utf-16")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return any(mark in text for mark in "\n\t,") and not _CONTROL.search(text)


Row = list  # cells: str for CSV; str, numbers, dates, times or None for .xlsx


def iter_csv(path: Path, encoding: str) -> Iterator[tuple[int, Row]]:
    """(line number, cells) for every non-blank row. Line numbers count physical lines, from 1."""
    with path.open("r", encoding=encoding, newline="", errors="strict") as handle:
        try:
            sample = handle.read(SNIFF_BYTES)
        except UnicodeDecodeError:
            sample = ""  # reported with its line below
        handle.seek(0)
        reader = csv.reader(handle, delimiter="\t" if sample.count("\t") > sample.count(",") else ",")
        try:
            for cells in reader:
                # A blank line is [] and a row of empty cells is all ""; both are skipped cheaply.
                if cells and (cells[0] or any(cells)):
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise ValidationFailed(
                "IMPORT_ENCODING_INVALID",
                _(
                    "The file stops being valid %(encoding)s near line %(line)s; save the whole file in one "
                    "encoding (CSV UTF-8)."
                )
                % {"encoding": encoding.removesuffix("-sig").upper(), "line": reader.line_num + 1},
                {"line": reader.line_num + 1, "encoding": encoding},
            ) from None
        except csv.Error as error:
            raise ValidationFailed(
                "IMPORT_FILE_UNREADABLE",
                _("The CSV is malformed near line %(line)s: %(error)s.")
                % {"line": reader.line_num, "error": error},
                {"line": reader.line_num},
            ) from None


def iter_xlsx(path: Path) -> Iterator[tuple[int, Row]]:
    """(row number, values) for every row of the first sheet holding a value, within the limits of
    workbook.py. A formula arrives as its text ("=..."), never as its last computed value."""
    return workbook.iter_rows(path)


def iter_rows(path: Path, file_type: str, encoding: str) -> Iterator[tuple[int, Row]]:
    if file_type == "xlsx":
        return iter_xlsx(path)
    return iter_csv(path, encoding)
