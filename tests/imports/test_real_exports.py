"""Real DingTalk exports as they come: title rows, totals and subtotal lines (合计, 小计, 总计, Total) that are
ignored and counted, formula-like text in reference columns kept as text (and escaped on export), exact
counts (a job's total is its data rows), in the encodings DingTalk and Excel write (GBK, UTF-8 with BOM,
xlsx, UTF-16 with its BOM; without it UTF-16 is refused clearly)."""

import io

import pytest
from openpyxl import Workbook

from apps.attendance.models import DailyRecord
from apps.imports.models import ImportItem

pytestmark = pytest.mark.django_db

TITLE = "每日统计表,,,,,,,,\n统计日期：2026-03-02 至 2026-03-03,,,,,,,,\n"  # noqa: RUF001 - as DingTalk writes it
HEADER = "日期,工号,姓名,UserId,考勤组,部门,上班1打卡时间,下班1打卡时间,迟到时长\n"
ROWS = (
    "2026-03-02,E1,张三,u0001,Day,R&D,09:00,18:00,0\n"
    "2026-03-02,E2,李四,u0002,Day,R&D,09:12,18:00,12\n"
    "小计,,,,,,,,12\n"
    "2026-03-03,E1,张三,u0001,Day,R&D,09:00,18:00,0\n"
    ",,合计,,,,,,12\n"
    "Total:,,,,,,,,12\n"
)
EXPORT = TITLE + HEADER + ROWS


@pytest.mark.parametrize(("encoding", "prefix"), [("gbk", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_totals_lines_are_ignored_and_counted(imports, staff, encoding, prefix):
    data = prefix + EXPORT.replace("\n", "\r\n").encode(encoding)
    upload_id = imports.upload_bytes(data).json()["id"]
    body = imports.preview(upload_id).json()
    assert body["summary"]["ignoredRows"] == 3
    assert (body["summary"]["totalRows"], body["summary"]["valid"], body["summary"]["invalid"]) == (3, 3, 0)
    assert body["errors"] == []
    token = imports.prepare(upload_id).json()["commitToken"]
    batch = imports.commit(token, f"totals-{encoding}")  # onError=reject: the totals are no reason to refuse
    assert batch.status_code == 200, batch.json()
    assert (batch.json()["totalRows"], batch.json()["createdCount"]) == (3, 3)
    assert ImportItem.objects.count() == 3


@pytest.mark.parametrize(
    ("codec", "bom", "separator"), [("utf-16-le", b"\xff\xfe", "\t"), ("utf-16-be", b"\xfe\xff", ",")]
)
def test_a_utf16_export_is_read(imports, staff, codec, bom, separator):
    """Excel's "Unicode text" (UTF-16 with a BOM, tab-separated) and a comma-separated UTF-16 file."""
    data = bom + EXPORT.replace(",", separator).replace("\n", "\r\n").encode(codec)
    upload = imports.upload_bytes(data, "daily.txt")
    assert upload.status_code == 201, upload.json()
    assert (upload.json()["encoding"], upload.json()["lineCount"]) == ("utf-16", 9)
    body = imports.preview(upload.json()["id"]).json()
    assert body["detection"]["encoding"] == "utf-16"
    assert (body["summary"]["totalRows"], body["summary"]["valid"], body["summary"]["ignoredRows"]) == (
        3,
        3,
        3,
    )


def test_utf16_without_its_bom_is_refused_clearly(imports, staff):
    response = imports.upload_bytes(EXPORT.encode("utf-16-le"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "IMPORT_ENCODING_UNSUPPORTED"


def test_a_workbooks_totals_line_is_ignored(imports, staff):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["每日统计表"])
    sheet.append(["日期", "工号", "姓名", "UserId", "上班1打卡时间", "下班1打卡时间", "迟到时长"])
    sheet.append(["2026-03-02", "E1", "张三", "u0001", "09:00", "18:00", 0])
    sheet.append(["合计", None, None, None, None, None, 0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload_id = imports.upload_bytes(buffer.getvalue(), "daily.xlsx", "application/octet-stream").json()["id"]
    summary = imports.preview(upload_id).json()["summary"]
    assert (summary["ignoredRows"], summary["totalRows"], summary["valid"]) == (1, 1, 1)


def test_formula_like_text_in_reference_columns_is_imported_as_text_and_escaped_on_export(imports, staff):
    text = (
        "日期,UserId,姓名,考勤组,部门,上班1打卡时间,下班1打卡时间,异常原因\n"
        '2026-03-02,u0001,=张三,=Day,@R&D,09:00,18:00,"=HYPERLINK(""http://evil"",""x"")"\n'
        "2026-03-03,u0001,张三,Day,R&D,=NOW(),18:00,\n"
    )
    body = imports.preview(imports.upload(text)).json()
    assert [(error["line"], error["code"]) for error in body["errors"]] == [(3, "CELL_FORMULA")]
    response = imports.import_text(text, key="formula-text", onError="skip")
    assert response.status_code == 200, response.json()
    assert DailyRecord.objects.get().note == '=HYPERLINK("http://evil","x")'
    export = imports.api.get("/api/attendance/records/export.csv?from=2026-03-01&to=2026-03-31")
    content = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in content
    assert ",=HYPERLINK" not in content


def test_a_jobs_total_is_its_data_rows_not_the_files_lines(
    imports, staff, django_capture_on_commit_callbacks
):
    rows = "".join(f"2026-03-{day:02d},E1,张三,u0001,Day,R&D,09:00,18:00,0\n" for day in range(1, 29))
    bad = "2026-02-30,E1,张三,u0001,Day,R&D,09:00,18:00,0\n"
    upload_id = imports.upload(TITLE + HEADER + rows + bad)
    token = imports.prepare(upload_id).json()["commitToken"]
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.commit(token, "counted", **{"async": True})
    job = imports.api.get(f"/api/attendance/import/jobs/{response.json()['job']['id']}").json()
    assert job["status"] == "failed"  # one invalid row, onError=reject
    assert job["total"] == 29  # 29 data rows; not 32 (two title rows and the header)
