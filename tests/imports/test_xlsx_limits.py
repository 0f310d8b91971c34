"""Workbooks that would exhaust a worker are refused with a 4xx before they are parsed, broken or hostile
ones are a 400 (never a 500), and a workbook's line count is its sheet's rows (apps/imports/workbook.py).

The bombs are built here, small on the wire and huge inflated: 100 MiB of shared strings in about 100 KB,
six million empty rows, a row numbered 1,048,576, a cell of a megabyte, XML entities."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

pytestmark = pytest.mark.django_db

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="每日统计" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
STRINGS_HEAD = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + inline("日期") + inline("UserId") + "</row>"
DATA_ROW = '<row r="2">' + inline("2026-03-02") + inline("u0001") + "</row>"


def build_xlsx(*, sheet=(), strings=(), workbook: str = WORKBOOK) -> bytes:
    """An xlsx whose sheet (and shared strings) are written from iterables of text, streamed into the zip,
    so that a part may inflate to far more than the test holds in memory at once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, head, body, tail in (
            ("xl/worksheets/sheet1.xml", SHEET_HEAD, sheet, SHEET_TAIL),
            ("xl/sharedStrings.xml", STRINGS_HEAD, strings, "</sst>"),
        ):
            with archive.open(name, "w", force_zip64=True) as part:
                part.write(head.encode())
                for piece in body:
                    part.write(piece.encode())
                part.write(tail.encode())
    return buffer.getvalue()


def upload(imports, data: bytes):
    return imports.upload_bytes(data, "daily.xlsx", "application/octet-stream")


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, response.content[:500]
    assert response.json()["error"]["code"] == code
    assert stored_files() == []  # a refused upload leaves nothing


def test_a_shared_strings_bomb_is_refused_at_upload_before_it_is_parsed(imports, staff):
    megabyte = "<si><t>" + "A" * (1024 * 1024 - 15) + "</t></si>"
    data = build_xlsx(sheet=[HEADER_ROW, DATA_ROW], strings=(megabyte for _ in range(100)))
    assert len(data) < 200 * 1024  # about 100 KB on the wire, 100 MiB inflated
    assert_refused(upload(imports, data), 413, "IMPORT_XLSX_TOO_LARGE")


def test_six_million_empty_rows_are_refused_at_upload(imports, staff):
    data = build_xlsx(sheet=[HEADER_ROW, *("<row/>" * 100_000 for _ in range(60))])
    assert len(data) < 100 * 1024
    response = upload(imports, data)
    assert_refused(response, 422, "IMPORT_TOO_MANY_ROWS")
    assert response.json()["error"]["details"]["maxRowsScanned"] == 1_000_000


def test_a_row_numbered_past_the_limit_counts_the_blank_rows_before_it(imports, staff):
    data = build_xlsx(sheet=[HEADER_ROW, '<row r="1048576">' + inline("2026-03-02") + "</row>"])
    assert_refused(upload(imports, data), 422, "IMPORT_TOO_MANY_ROWS")


def test_a_row_of_a_million_cells_is_refused_at_upload(imports, staff):
    data = build_xlsx(
        sheet=[HEADER_ROW, '<row r="2">', *('<c t="n"><v>1</v></c>' * 10_000 for _ in range(100))]
    )
    assert_refused(upload(imports, data), 413, "IMPORT_XLSX_TOO_LARGE")


def test_a_megabyte_cell_is_refused_at_upload(imports, staff):
    data = build_xlsx(sheet=[HEADER_ROW, '<row r="2">' + inline("x" * (1024 * 1024)) + "</row>"])
    assert_refused(upload(imports, data), 422, "IMPORT_CELL_TOO_LONG")


def test_a_shared_string_longer_than_a_cell_may_be_is_refused_when_read(imports, staff):
    sheet = [HEADER_ROW, '<row r="2">' + inline("2026-03-02") + '<c t="s"><v>0</v></c></row>']
    response = upload(imports, build_xlsx(sheet=sheet, strings=["<si><t>" + "长" * 40_000 + "</t></si>"]))
    assert response.status_code == 201, response.json()
    preview = imports.preview(response.json()["id"])
    assert preview.status_code == 422
    assert preview.json()["error"]["code"] == "IMPORT_CELL_TOO_LONG"
    assert preview.json()["error"]["details"]["line"] == 2


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def test_entities_in_the_workbook_part_are_a_400_at_upload(imports, staff):
    workbook = LAUGHS + WORKBOOK.split("?>", 1)[1].replace('name="每日统计"', 'name="&lol3;"')
    assert_refused(
        upload(imports, build_xlsx(sheet=[HEADER_ROW], workbook=workbook)), 400, "IMPORT_FILE_UNREADABLE"
    )


def test_entities_in_the_sheet_are_a_400_when_read(imports, staff):
    sheet_head = LAUGHS + SHEET_HEAD.split("?>", 1)[1]
    buffer = io.BytesIO(build_xlsx(sheet=[HEADER_ROW, '<row r="2">' + inline("&lol3;") + "</row>"]))
    with zipfile.ZipFile(buffer) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        SHEET_HEAD.encode(), sheet_head.encode()
    )
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    response = upload(imports, rebuilt.getvalue())
    assert response.status_code == 201, response.json()
    preview = imports.preview(response.json()["id"])
    assert preview.status_code == 400, preview.content[:300]
    assert preview.json()["error"]["code"] == "IMPORT_FILE_UNREADABLE"


def test_malformed_sheet_xml_is_a_400_not_a_500(imports, staff):
    data = build_xlsx(sheet=[HEADER_ROW, '<row r="2"><c t="inlineStr"><is><t>2026-03-02</t></is></c><c'])
    response = upload(imports, data)
    assert response.status_code == 201, response.json()
    preview = imports.preview(response.json()["id"])
    assert preview.status_code == 400, preview.content[:300]
    assert preview.json()["error"]["code"] == "IMPORT_FILE_UNREADABLE"


def test_a_shared_string_index_out_of_range_is_a_400(imports, staff):
    sheet = [HEADER_ROW, '<row r="2">' + inline("2026-03-02") + '<c t="s"><v>7</v></c></row>']
    response = upload(imports, build_xlsx(sheet=sheet, strings=["<si><t>u0001</t></si>"]))
    preview = imports.preview(response.json()["id"])
    assert preview.status_code == 400
    assert preview.json()["error"]["code"] == "IMPORT_FILE_UNREADABLE"


def test_a_zip_that_is_not_a_workbook_or_is_cut_short_is_a_400(imports, staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert_refused(upload(imports, buffer.getvalue()), 400, "IMPORT_FILE_UNREADABLE")
    whole = build_xlsx(sheet=[HEADER_ROW, DATA_ROW])
    assert_refused(upload(imports, whole[: len(whole) // 2]), 400, "IMPORT_FILE_UNREADABLE")


def test_a_zip_of_too_many_parts_is_refused_before_its_directory_is_read(imports, staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(10_001):
            archive.writestr(f"p/{index}", b"")
    assert_refused(upload(imports, buffer.getvalue()), 413, "IMPORT_XLSX_TOO_LARGE")


def dingtalk_workbook(days: int) -> bytes:
    """A DingTalk daily export as a workbook: two title rows, the header, then `days` rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["每日统计表"])
    sheet.append(["统计日期：2026-03-01 至 2026-03-31"])  # noqa: RUF001 - DingTalk writes a full-width colon
    sheet.append(["日期", "工号", "姓名", "UserId", "考勤组", "上班1打卡时间", "下班1打卡时间", "考勤结果"])
    for day in range(days):
        work_date = date.fromordinal(date(2026, 1, 1).toordinal() + day)
        sheet.append([work_date, "E1", "张三", "u0001", "Day", "09:00", "18:00", "正常"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbooks_line_count_is_its_sheets_rows(imports, staff):
    response = upload(imports, dingtalk_workbook(200))
    assert response.status_code == 201, response.json()
    assert response.json()["lineCount"] == 203  # two title rows, the header, 200 days
    body = imports.preview(response.json()["id"]).json()
    assert body["summary"]["totalRows"] == 200
    assert body["summary"]["valid"] == 200


def test_a_large_workbook_previews_and_commits_as_a_job_like_a_csv(imports, staff, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 150  # the zip's bytes hold far fewer newlines than the sheet has rows
    upload_id = upload(imports, dingtalk_workbook(200)).json()["id"]
    preview = imports.preview(upload_id)
    assert preview.status_code == 202, preview.json()
    assert preview.json()["kind"] == "preview"
    token = imports.prepare(upload_id).json()["commitToken"]
    commit = imports.commit(token, "xlsx-async")
    assert commit.status_code == 202, commit.json()
    assert commit.json()["job"]["kind"] == "commit"


def test_cells_past_the_column_limit_are_ignored(imports, staff, settings):
    settings.IMPORT_XLSX_MAX_COLUMNS = 2
    row = (
        '<row r="2">'
        + inline("2026-03-02")
        + inline("u0001")
        + '<c r="XFD2" t="inlineStr"><is><t>=1+1</t></is></c></row>'
    )
    upload_id = upload(imports, build_xlsx(sheet=[HEADER_ROW, row])).json()["id"]
    body = imports.preview(upload_id).json()
    assert body["summary"]["valid"] == 1
