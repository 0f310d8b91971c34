""".xlsx files, read safely: a workbook is a zip of XML parts, and both layers can be made to explode.

What a 100 KB upload may otherwise do to a worker: a shared-strings part that inflates to 100 MiB (all of
it held in memory by the reader), millions of empty `<row/>` elements or a single `<row r="1048576">` (each
a row to scan), a row of a million cells, a cell of hundreds of megabytes, a zip of a million members, or
XML entities. So, in this order, and before the part they guard is parsed:

1. the zip's directory: at most `MAX_PARTS` members (read from the end record, before the directory
   itself is parsed), their declared sizes at most `IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES` in all and every
   part but a worksheet at most `IMPORT_XLSX_MAX_PART_BYTES` (those parts are read whole). The declared
   size binds: Python's zip reader stops at it and checks the CRC;
2. the first worksheet, scanned as bytes while it inflates (`scan`, at upload: about 0.1 s for 36 MB of
   XML): rows (blank and skipped ones included) at most `IMPORT_XLSX_MAX_ROWS_SCANNED`, on average at most
   `IMPORT_XLSX_MAX_COLUMNS` cells a row, no text run longer than a cell may be; it also counts the rows
   that hold cells, which is the upload's `lineCount`;
3. while reading (`iter_rows`): the same row limit, cells past `IMPORT_XLSX_MAX_COLUMNS` ignored, a cell
   longer than `IMPORT_MAX_CELL_CHARS` refused; the XML parsers are defusedxml's (openpyxl uses them when
   installed), so an entity declaration is refused; any parse error is `IMPORT_FILE_UNREADABLE`, a 400.

The parts are read with openpyxl's own readers (manifest, workbook, shared strings, styles, the sheet's
row parser), without `load_workbook`: in read-only mode it parses the XML of every sheet up to its
`<dimension>`, which is the whole sheet when that element is missing.
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import PayloadTooLarge, Unprocessable, ValidationFailed

MAX_PARTS = 10_000
SCAN_CHUNK = 64 * 1024
WORKSHEETS = "xl/worksheets/"
# What reading a broken or hostile workbook raises, from the zip layer to the XML and the cell values.
READ_ERRORS = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, ParseError, ValueError, KeyError, IndexError,
    TypeError, AttributeError, OverflowError, NotImplementedError,
)  # fmt: skip
_ROW_STARTS = (b"<row ", b"<row>", b"<row/>", b"<row\t", b"<row\n", b"<row\r")
_ROW_END = b"</row>"
_CELL_STARTS = (b"<c ", b"<c>", b"<c/>")
_ROW_NUMBER = re.compile(rb'<row\s[^>]*?\br\s*=\s*["\'](\d{1,12})["\']')


def unreadable(error: BaseException | None = None, *, line: int | None = None) -> ValidationFailed:
    what = error.__class__.__name__ if error is not None else "format"
    details = {"line": line} if line else {}
    return ValidationFailed(
        "IMPORT_FILE_UNREADABLE",
        _("The workbook cannot be read (%(error)s); save it again as .xlsx.") % {"error": what},
        details,
    )


def too_large(what: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        "IMPORT_XLSX_TOO_LARGE",
        _(
            "The workbook expands to more than a file of this kind may (%(what)s over %(limit)s MB); "
            "save the sheet as CSV or split it."
        )
        % {"what": what, "limit": f"{limit / 1024 / 1024:.0f}"},
        {"part": what, "maxBytes": limit},
    )


def too_many_rows(rows: int) -> Unprocessable:
    limit = settings.IMPORT_XLSX_MAX_ROWS_SCANNED
    return Unprocessable(
        "IMPORT_TOO_MANY_ROWS",
        _(
            "The sheet has more than %(limit)s rows (blank rows included); delete the empty rows below "
            "the data or split the file."
        )
        % {"limit": f"{limit:,}"},
        {"maxRowsScanned": limit, "rowsScanned": rows},
    )


def cell_too_long(*, line: int | None, column: int | None) -> Unprocessable:
    limit = settings.IMPORT_MAX_CELL_CHARS
    return Unprocessable(
        "IMPORT_CELL_TOO_LONG",
        _("A cell is longer than %(limit)s characters (line %(line)s); no attendance cell is that long.")
        % {"limit": f"{limit:,}", "line": line or "?"},
        {"maxChars": limit, "line": line, "column": column},
    )


def _entry_count(handle) -> int:
    """Members the zip's end record announces, read before the central directory is parsed."""
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:  # pragma: no cover - every supported Python has it
        return 0
    record = end_record(handle)
    if record is None:
        raise unreadable(zipfile.BadZipFile())
    return int(record[zipfile._ECD_ENTRIES_TOTAL])


def open_archive(path: Path) -> zipfile.ZipFile:
    """The zip, once its directory is within the limits (step 1). The caller closes it."""
    handle = path.open("rb")
    try:
        if _entry_count(handle) > MAX_PARTS:
            raise too_large("parts", MAX_PARTS)
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        handle.close()
        raise unreadable(error) from None
    except BaseException:
        handle.close()
        raise
    try:
        total_limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
        part_limit = settings.IMPORT_XLSX_MAX_PART_BYTES
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if total > total_limit:
                raise too_large("all parts", total_limit)
            if info.file_size > part_limit and not info.filename.startswith(WORKSHEETS):
                raise too_large(info.filename, part_limit)
    except BaseException:
        archive.close()
        handle.close()
        raise
    archive._timeledger_handle = handle  # closed with the archive (close_archive)
    return archive


def close_archive(archive: zipfile.ZipFile) -> None:
    archive.close()
    archive._timeledger_handle.close()


@dataclass
class Book:
    """What reading the rows needs: the first worksheet's part, and (when loaded) strings and styles."""

    archive: zipfile.ZipFile
    sheet_path: str
    shared_strings: list
    epoch: object = None
    date_formats: frozenset = frozenset()
    timedelta_formats: frozenset = frozenset()


def open_book(path: Path, *, with_cells: bool) -> Book:
    """The workbook's first worksheet (steps 1 and the small parts). `with_cells` also loads the shared
    strings and the styles (which number formats are dates), which reading values needs; a scan does not."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    archive = open_archive(path)
    try:
        reader = ExcelReader(archive._timeledger_handle, read_only=True, data_only=False)
        reader.archive.close()  # ExcelReader opened the zip again; use the one checked above
        reader.archive, reader.valid_files = archive, archive.namelist()
        reader.read_manifest()
        if with_cells:
            reader.read_strings()
        reader.read_workbook()
        sheet_path = next(
            (rel.target for _sheet, rel in reader.parser.find_sheets() if "chartsheet" not in rel.Type),
            None,
        )
        if sheet_path is None or sheet_path not in reader.valid_files:
            raise unreadable()
        book = Book(archive=archive, sheet_path=sheet_path, shared_strings=reader.shared_strings)
        if with_cells:
            apply_stylesheet(archive, reader.wb)
            book.epoch = reader.wb.epoch
            book.date_formats = frozenset(reader.wb._date_formats)
            book.timedelta_formats = frozenset(reader.wb._timedelta_formats)
        return book
    except READ_ERRORS as error:
        close_archive(archive)
        raise unreadable(error) from None
    except BaseException:
        close_archive(archive)
        raise


def _occurrences(window: bytes, tail: bytes, patterns: tuple[bytes, ...]) -> int:
    """Occurrences of the patterns that end in the new chunk (`window` = the previous tail + the chunk)."""
    return sum(window.count(pattern) - tail.count(pattern) for pattern in patterns)


def scan(path: Path) -> int:
    """Check an uploaded workbook (steps 1 and 2) and return its first sheet's rows that hold cells.

    Raises the 4xx of the first limit passed, as soon as it is passed."""
    book = open_book(path, with_cells=False)
    max_rows = settings.IMPORT_XLSX_MAX_ROWS_SCANNED
    max_columns = settings.IMPORT_XLSX_MAX_COLUMNS
    max_run = 4 * settings.IMPORT_MAX_CELL_CHARS  # bytes: a CJK character is 3, an entity up to 6
    rows_open = rows_with_cells = highest = 0
    run = 0  # bytes since the last "<"
    tail = b""
    try:
        with book.archive.open(book.sheet_path) as source:
            for chunk in iter(lambda: source.read(SCAN_CHUNK), b""):
                window = tail + chunk
                opened = _occurrences(window, tail, _ROW_STARTS)
                rows_open += opened
                rows_with_cells += window.count(_ROW_END) - tail.count(_ROW_END)
                cells = _occurrences(window, tail, _CELL_STARTS)
                if opened:
                    last = _ROW_NUMBER.match(window, max(window.rfind(b"<row "), 0))
                    if last is not None:
                        highest = max(highest, int(last.group(1)))
                if max(rows_open, highest) > max_rows:
                    raise too_many_rows(max(rows_open, highest))
                if cells > (opened + 1) * max_columns:
                    raise too_large("cells per row", max_columns)
                first = chunk.find(b"<")
                if first < 0:
                    run += len(chunk)
                else:
                    run += first
                    if run > max_run:
                        raise cell_too_long(line=None, column=None)
                    run = len(chunk) - chunk.rfind(b"<") - 1
                if run > max_run:
                    raise cell_too_long(line=None, column=None)
                tail = window[-8:]
    except READ_ERRORS as error:
        raise unreadable(error) from None
    finally:
        close_archive(book.archive)
    return rows_with_cells


def _formula_text(value) -> str:
    """openpyxl gives array and data-table formulas as objects; they are formulas all the same."""
    text = getattr(value, "text", None)
    return text if isinstance(text, str) and text.startswith("=") else "=" + str(value)


def iter_rows(path: Path) -> Iterator[tuple[int, list]]:
    """(row number, values) for every row of the first sheet that holds a value (step 3)."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = open_book(path, with_cells=True)
    max_rows = settings.IMPORT_XLSX_MAX_ROWS_SCANNED
    max_columns = settings.IMPORT_XLSX_MAX_COLUMNS
    max_chars = settings.IMPORT_MAX_CELL_CHARS
    number = 0
    try:
        with book.archive.open(book.sheet_path) as source:
            parser = WorkSheetParser(
                source, book.shared_strings, data_only=False, epoch=book.epoch,
                date_formats=book.date_formats, timedelta_formats=book.timedelta_formats,
            )  # fmt: skip
            for number, cells in parser.parse():
                if number > max_rows:
                    raise too_many_rows(number)
                values: list = []
                for cell in cells:
                    column, value = cell["column"], cell["value"]
                    if value is None or value == "" or column > max_columns:
                        continue
                    if value.__class__ is str:
                        if len(value) > max_chars:
                            raise cell_too_long(line=number, column=column)
                    elif cell["data_type"] == "f":
                        value = _formula_text(value)
                    if len(values) < column:
                        values.extend([None] * (column - len(values)))
                    values[column - 1] = value
                if values:
                    yield number, values
    except READ_ERRORS as error:
        raise unreadable(error, line=number + 1) from None
    finally:
        close_archive(book.archive)
