"""A DingTalk daily export's approvals text (关联的审批单) and its leave and overtime hours are kept with the
record: staged, merged, shown by the records API, the records export (formula-escaped) and the employee's
month page, restored by a rollback; their numbers are range-checked like every number cell. The files are
shaped as DingTalk writes them: title rows, extra result columns, a totals line, GBK / UTF-8 with BOM /
UTF-16 (Excel's Unicode text) / xlsx."""

import csv
import io

import pytest
from openpyxl import Workbook
from rest_framework.test import APIClient

from apps.attendance.models import DailyRecord

pytestmark = pytest.mark.django_db

TITLE = [["每日统计表"], ["统计日期：2026-03-02 至 2026-03-06"]]  # noqa: RUF001 - as DingTalk writes it
HEADER = [
    "姓名", "考勤组", "部门", "工号", "UserId", "日期", "班次", "上班1打卡时间", "上班1打卡结果", "下班1打卡时间",
    "下班1打卡结果", "关联的审批单", "迟到时长", "早退时长", "请假时长", "加班时长", "考勤结果",
]  # fmt: skip
LEAVE = "请假 2026-03-05 09:00 到 2026-03-05 18:00 1天"
OVERTIME = "加班 2026-03-05 18:00 到 2026-03-05 21:00 3小时"
ROWS = [
    ["张三", "Day", "R&D", "E1", "u0001", "2026-03-04", "Day 09-18", "09:00", "正常", "18:00", "正常", "",
     "0", "0", "", "", "正常"],
    ["张三", "Day", "R&D", "E1", "u0001", "2026-03-05", "Day 09-18", "", "", "", "", LEAVE,
     "0", "0", "8", "", "请假"],
    ["李四", "Day", "R&D", "E2", "u0002", "2026-03-05", "Day 09-18", "09:00", "正常", "21:00", "正常", OVERTIME,
     "0", "0", "", "3", "正常"],
    ["李四", "Day", "R&D", "E2", "u0002", "2026-03-06", "Day 09-18", "09:00", "正常", "13:00", "正常",
     "=HYPERLINK(\"http://evil\",\"x\")", "0", "0", "4.5小时", "30分钟", "正常"],
    ["合计", "", "", "", "", "", "", "", "", "", "", "", "0", "0", "12.5", "3.5", ""],
]  # fmt: skip


def as_csv(rows, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


def as_xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        # A workbook holds numbers as numbers: the hours cells arrive as floats.
        sheet.append([float(cell) if cell.replace(".", "", 1).isdigit() else (cell or None) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_bytes(kind: str, rows=None) -> tuple[bytes, str]:
    rows = [*TITLE, HEADER, *(ROWS if rows is None else rows)]
    if kind == "xlsx":
        return as_xlsx(rows), "daily.xlsx"
    if kind == "gbk":
        return as_csv(rows).encode("gbk"), "daily.csv"
    if kind == "utf-16":  # Excel's "Unicode text": UTF-16 with its BOM, tab-separated
        return b"\xff\xfe" + as_csv(rows, "\t").encode("utf-16-le"), "daily.txt"
    return b"\xef\xbb\xbf" + as_csv(rows).encode("utf-8"), "daily.csv"


def commit_file(imports, data: bytes, filename: str, key: str):
    upload = imports.upload_bytes(data, filename, "application/octet-stream")
    assert upload.status_code == 201, upload.json()
    upload_id = upload.json()["id"]
    preview = imports.preview(upload_id)
    assert preview.status_code == 200, preview.json()
    token = imports.prepare(upload_id).json()["commitToken"]
    return preview.json(), imports.commit(token, key)


def records_by_day() -> dict:
    return {
        (record.member.user.username, record.work_date.isoformat()): record
        for record in DailyRecord.objects.select_related("member__user")
    }


@pytest.mark.parametrize("kind", ["gbk", "utf-8-sig", "utf-16", "xlsx"])
def test_approvals_and_hours_of_a_real_export_are_kept_with_the_record(imports, staff, kind):
    data, filename = export_bytes(kind)
    preview, response = commit_file(imports, data, filename, f"approvals-{kind}")
    assert preview["detection"]["format"] == "dingtalk_daily"
    assert preview["detection"]["mapping"]["approvalText"] == "关联的审批单"
    assert preview["summary"]["ignoredRows"] == 1
    assert preview["errors"] == []
    rows = {(row["memberName"], row["workDate"]): row for row in preview["rows"]}
    assert rows[("张三", "2026-03-05")]["approvalText"] == LEAVE
    assert rows[("张三", "2026-03-05")]["leaveMinutes"] == 480
    assert rows[("张三", "2026-03-04")]["leaveMinutes"] is None
    assert response.status_code == 200, response.json()
    assert response.json()["createdCount"] == 4
    records = records_by_day()
    leave_day, overtime_day, mixed, plain = (
        records[("zhang", "2026-03-05")], records[("li", "2026-03-05")], records[("li", "2026-03-06")],
        records[("zhang", "2026-03-04")],
    )  # fmt: skip
    assert (leave_day.status, leave_day.approval_text, leave_day.leave_minutes, leave_day.overtime_minutes) == (
        "leave", LEAVE, 480, None,
    )  # fmt: skip
    assert (overtime_day.approval_text, overtime_day.leave_minutes, overtime_day.overtime_minutes) == (
        OVERTIME, None, 180,
    )  # fmt: skip
    # Formula-like text is text here (stored as written); units in the cell win over the column's hours.
    assert (mixed.approval_text, mixed.leave_minutes, mixed.overtime_minutes) == (
        '=HYPERLINK("http://evil","x")', 270, 30,
    )  # fmt: skip
    assert (plain.approval_text, plain.leave_minutes, plain.overtime_minutes) == ("", None, None)


def test_the_records_api_and_export_show_them(imports, staff):
    data, filename = export_bytes("utf-8-sig")
    commit_file(imports, data, filename, "approvals-api")
    client = APIClient()
    client.force_login(staff["li"].user)
    body = client.get("/api/attendance/records", {"from": "2026-03-01", "to": "2026-03-31"}).json()
    by_date = {record["workDate"]: record for record in body["results"]}
    assert (by_date["2026-03-05"]["approvalText"], by_date["2026-03-05"]["overtimeMinutes"]) == (
        OVERTIME,
        180,
    )
    assert by_date["2026-03-05"]["leaveMinutes"] is None
    assert (by_date["2026-03-06"]["leaveMinutes"], by_date["2026-03-06"]["overtimeMinutes"]) == (270, 30)

    export = imports.api.get("/api/attendance/records/export.csv?from=2026-03-01&to=2026-03-31")
    assert export.status_code == 200
    table = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    header = table[0]
    assert header[11:15] == ["异常原因", "关联的审批单", "请假分钟", "加班分钟"]
    cells = {(row[3], row[0]): row for row in table[1:]}
    assert cells[("u0001", "2026-03-05")][12:15] == [LEAVE, "480", ""]
    assert cells[("u0002", "2026-03-05")][12:15] == [OVERTIME, "", "180"]
    assert cells[("u0002", "2026-03-06")][12:15] == ['\'=HYPERLINK("http://evil","x")', "270", "30"]
    assert cells[("u0001", "2026-03-04")][12:15] == ["", "", ""]


def test_an_export_imports_again_as_unchanged(imports, staff):
    data, filename = export_bytes("utf-8-sig", rows=ROWS[:3])
    commit_file(imports, data, filename, "approvals-first")
    export = imports.api.get("/api/attendance/records/export.csv?from=2026-03-01&to=2026-03-31")
    again = b"".join(export.streaming_content)
    _preview, response = commit_file(imports, again, "export.csv", "approvals-again")
    assert response.status_code == 200, response.json()
    assert (response.json()["unchangedCount"], response.json()["updatedCount"]) == (3, 0)


def test_the_month_page_shows_leave_overtime_and_approvals(imports, staff, client):
    data, filename = export_bytes("gbk")
    commit_file(imports, data, filename, "approvals-page")
    client.force_login(staff["li"].user)
    page = client.get("/attendance/?month=2026-03").content.decode()
    day = page.split('data-testid="day-2026-03-05"', 1)[1].split("</li>", 1)[0]
    assert 'data-testid="day-hours"' in day and "Overtime 3:00" in day
    assert OVERTIME in day
    mixed = page.split('data-testid="day-2026-03-06"', 1)[1].split("</li>", 1)[0]
    assert "Leave 4:30" in mixed and "Overtime 0:30" in mixed
    assert "=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)" in mixed  # escaped by the template


def test_a_rollback_restores_the_approvals_and_hours_a_batch_replaced(imports, staff):
    data, filename = export_bytes("utf-8-sig", rows=ROWS[1:2])
    commit_file(imports, data, filename, "approvals-v1")
    changed = [[*ROWS[1][:11], "请假 2026-03-05 09:00 到 2026-03-05 13:00 0.5天", "0", "0", "4", "1", "请假"]]
    data, filename = export_bytes("utf-8-sig", rows=changed)
    _preview, response = commit_file(imports, data, filename, "approvals-v2")
    assert response.json()["updatedCount"] == 1
    record = DailyRecord.objects.get()
    assert (record.leave_minutes, record.overtime_minutes) == (240, 60)
    assert imports.rollback(response.json()["id"]).status_code == 200
    record.refresh_from_db()
    assert (record.approval_text, record.leave_minutes, record.overtime_minutes) == (LEAVE, 480, None)


@pytest.mark.parametrize(
    ("column", "value"),
    [(14, "99999999999"), (15, "25"), (15, "1e400"), (14, "-3"), (15, "lots")],
)
def test_leave_and_overtime_out_of_range_are_row_errors(imports, staff, column, value):
    row = list(ROWS[0])
    row[column] = value
    data, filename = export_bytes("utf-8-sig", rows=[row])
    upload_id = imports.upload_bytes(data, filename).json()["id"]
    preview = imports.preview(upload_id)
    assert preview.status_code == 200
    field = "leave_minutes" if column == 14 else "overtime_minutes"
    assert [(e["line"], e["code"], e["column"]) for e in preview.json()["errors"]] == [
        (4, "INVALID_NUMBER", field)
    ]
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, f"range-{column}-{value}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IMPORT_ROWS_INVALID"
    assert DailyRecord.objects.count() == 0


def test_an_approvals_text_longer_than_the_record_holds_is_a_row_error(imports, staff):
    row = list(ROWS[0])
    row[11] = "请假 " * 300
    data, filename = export_bytes("utf-8-sig", rows=[row])
    upload_id = imports.upload_bytes(data, filename).json()["id"]
    errors = imports.preview(upload_id).json()["errors"]
    assert [(e["code"], e["column"]) for e in errors] == [("FIELD_TOO_LONG", "approval_text")]
