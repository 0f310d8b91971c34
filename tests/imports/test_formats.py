"""What files the preview reads: our template, DingTalk exports (title rows, Chinese headers, GB18030,
BOM, CRLF, dates and times in their shapes, next-day punches, status labels), .xlsx, explicit mappings,
and the bad files that must give a clear error."""

import io
import time
from datetime import date, datetime

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.django_db

DINGTALK = (
    "每日统计表,,,,,,,,,\n"
    "统计日期：2026-03-02 至 2026-03-08,,,,,,,,,\n"  # noqa: RUF001 - DingTalk writes a full-width colon
    "日期,工号,姓名,UserId,考勤组,部门,班次,上班1打卡时间,下班1打卡时间,上班2打卡时间,下班2打卡时间,考勤结果,异常原因\n"
    "26-03-02 星期一,E1,张三,u0001,Day,R&D,09:00-18:00,08:58,12:00,13:00,18:05,正常,\n"
    "2026/3/3,E2,李四,u0002,Day,R&D,09:00-18:00,09:12,,,18:00,迟到,上班迟到12分钟\n"
    "2026-03-04,E3,王五,,Night,Ops,22:00-06:00,22:01,,,06:05,正常,\n"
    "2026-03-05,E3,王五,,Night,Ops,22:00-06:00,2026-03-05 21:58,,,次日 06:02,正常,\n"
    "2026-03-06,E1,张三,u0001,Day,R&D,09:00-18:00,,,,,休息,\n"
)


def preview(imports, text: str | bytes, **extra):
    data = text if isinstance(text, bytes) else text.encode()
    response = imports.upload_bytes(data)
    assert response.status_code == 201, response.json()
    return imports.preview(response.json()["id"], **extra)


def local(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.mark.parametrize(
    ("encoding", "prefix", "newline"),
    [("utf-8", b"", "\n"), ("utf-8", b"\xef\xbb\xbf", "\r\n"), ("gb18030", b"", "\r\n")],
)
def test_dingtalk_export_is_read_whatever_its_encoding_and_line_ends(
    imports, staff, encoding, prefix, newline
):
    data = prefix + DINGTALK.replace("\n", newline).encode(encoding)
    response = preview(imports, data)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["detection"]["format"] == "dingtalk_daily"
    assert body["detection"]["headerLine"] == 3
    assert (
        body["detection"]["encoding"]
        == {"utf-8": "utf-8-sig" if prefix else "utf-8", "gb18030": "gb18030"}[encoding]
    )
    assert body["summary"]["valid"] == 5
    assert body["summary"]["invalid"] == 0
    rows = {row["line"]: row for row in body["rows"]}
    monday = rows[4]
    assert monday["memberName"] == "张三"
    assert monday["workDate"] == "2026-03-02"
    assert monday["firstInAt"] == "2026-03-02T08:58:00+08:00"
    assert monday["lastOutAt"] == "2026-03-02T18:05:00+08:00"  # the later of the two check-outs
    assert monday["workedMinutes"] == 547
    assert rows[5]["status"] == "late"
    assert rows[5]["note"] == "上班迟到12分钟"
    night = rows[6]  # a check-out earlier than the check-in is the next morning
    assert night["lastOutAt"] == "2026-03-05T06:05:00+08:00"
    assert night["workedMinutes"] == 484
    explicit = rows[7]  # full datetime in, 次日 out
    assert explicit["firstInAt"] == "2026-03-05T21:58:00+08:00"
    assert explicit["lastOutAt"] == "2026-03-06T06:02:00+08:00"
    assert rows[8]["status"] == "off"
    assert rows[8]["firstInAt"] is None


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("正常", "normal"),
        ("迟到", "late"),
        ("早退", "early_leave"),
        ("迟到早退", "late_early"),
        ("缺卡", "partial"),
        ("补卡", "adjusted"),
        ("旷工", "absent"),
        ("休息", "off"),
        ("上班迟到3分钟,下班早退5分钟", "late_early"),
        ("late", "late"),
    ],
)
def test_status_labels_map_to_our_statuses(imports, staff, label, status):
    body = preview(imports, f'日期,UserId,考勤结果\n2026-03-02,u0001,"{label}"\n').json()
    assert body["rows"][0]["status"] == status


def test_an_empty_status_is_derived_from_the_punches(imports, staff):
    text = "日期,UserId,上班1打卡时间,下班1打卡时间\n2026-03-02,u0001,09:00,18:00\n2026-03-03,u0001,09:00,\n2026-03-04,u0001,,\n"
    rows = preview(imports, text).json()["rows"]
    assert [row["status"] for row in rows] == ["normal", "partial", "absent"]


def test_the_plain_template_is_recognised(imports, staff):
    text = "日期,工号,姓名,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n2026-03-02,E1,张三,u0001,09:00,18:00,正常,\n"
    body = preview(imports, text).json()
    assert body["detection"]["format"] == "template"
    assert body["summary"]["toCreate"] == 1


def test_members_match_by_user_id_employee_number_or_name(imports, staff):
    text = "日期,UserId,工号,姓名\n2026-03-02,u0001,,\n2026-03-02,,E2,\n2026-03-02,,,王五\n"
    rows = preview(imports, text, matchByName=True).json()["rows"]
    assert [row["memberId"] for row in rows] == [staff["zhang"].pk, staff["li"].pk, staff["wang"].pk]


def test_an_ambiguous_name_and_an_unknown_member_are_row_errors(imports, staff, make_member):
    make_member("wang2", display_name="王五", employee_no="E9")
    text = "日期,姓名\n2026-03-02,王五\n2026-03-02,赵六\n2026-03-02,张三\n"
    body = preview(imports, text, matchByName=True).json()
    assert body["summary"]["invalid"] == 2
    assert body["summary"]["unknownMembers"] == 1
    assert [(e["line"], e["code"]) for e in body["errors"]] == [
        (2, "AMBIGUOUS_MEMBER"),
        (3, "UNKNOWN_MEMBER"),
    ]
    assert body["rows"][0]["state"] == "invalid"
    assert body["rows"][2]["state"] == "valid"


def test_an_explicit_mapping_reads_headers_we_do_not_know(imports, staff):
    text = "标题行\nday,who,in,out\n2026-03-02,u0001,09:00,18:00\n"
    body = preview(
        imports, text, mapping={"workDate": "day", "userId": "who", "checkIn1": "in", "checkOut1": "out"}
    ).json()
    assert body["detection"]["format"] == "mapped"
    assert body["detection"]["headerLine"] == 2
    assert body["detection"]["mapping"] == {
        "workDate": "day",
        "userId": "who",
        "checkIn1": "in",
        "checkOut1": "out",
    }
    assert body["rows"][0]["workedMinutes"] == 540


def test_a_mapping_with_an_unknown_field_is_400(imports, staff):
    response = preview(imports, "日期,UserId\n2026-03-02,u0001\n", mapping={"salary": "工资"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "IMPORT_MAPPING_INVALID"


def test_xlsx_is_read_in_streaming_mode_with_real_dates_and_times(imports, staff):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["考勤日报"])
    sheet.append(["日期", "UserId", "上班1打卡时间", "下班1打卡时间", "考勤结果"])
    sheet.append([date(2026, 3, 2), "u0001", datetime(2026, 3, 2, 9, 1), datetime(2026, 3, 2, 18, 0), "正常"])
    sheet.append(["2026-03-03", "u0002", "09:00", "18:30", "正常"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = imports.upload_bytes(buffer.getvalue(), "daily.xlsx", "application/octet-stream")
    assert response.json()["fileType"] == "xlsx"
    body = imports.preview(response.json()["id"]).json()
    assert body["detection"]["fileType"] == "xlsx"
    assert body["summary"]["valid"] == 2
    assert body["rows"][0]["firstInAt"] == "2026-03-02T09:01:00+08:00"
    assert body["rows"][1]["workedMinutes"] == 570


def test_a_formula_in_an_xlsx_value_cell_is_a_row_error_and_in_a_note_it_is_text(imports, staff):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "UserId", "上班1打卡时间", "异常原因"])
    sheet.append(["2026-03-02", "u0001", "=NOW()", ""])
    sheet.append(["2026-03-03", "u0001", "09:00", '=HYPERLINK("http://evil","x")'])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload_id = imports.upload_bytes(buffer.getvalue(), "f.xlsx", "application/octet-stream").json()["id"]
    body = imports.preview(upload_id).json()
    assert [(error["line"], error["code"]) for error in body["errors"]] == [(2, "CELL_FORMULA")]
    assert body["rows"][1]["note"] == '=HYPERLINK("http://evil","x")'


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("2026-02-30,u0001,09:00,18:00,正常", "INVALID_DATE"),
        ("tomorrow,u0001,09:00,18:00,正常", "INVALID_DATE"),
        (",u0001,09:00,18:00,正常", "MISSING_DATE"),
        ("2026-03-02,u0001,25:00,18:00,正常", "INVALID_TIME"),
        ("2026-03-02,u0001,9点,18:00,正常", "INVALID_TIME"),
        ("2026-03-02,u0001,09:00,18:00,请客", "INVALID_STATUS"),
        ("2026-03-02,u0001,=1+1,18:00,正常", "CELL_FORMULA"),
        ("2026-03-02,,09:00,18:00,正常", "MISSING_MEMBER"),
        ("2026-03-02,u0001,2026-03-02 18:00,2026-03-02 09:00,正常", "CHECK_OUT_BEFORE_CHECK_IN"),
    ],
)
def test_bad_cells_are_row_errors_with_line_numbers_and_stable_codes(imports, staff, row, code):
    text = f"日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n2026-03-01,u0001,09:00,18:00,正常\n{row}\n"
    body = preview(imports, text).json()
    assert body["summary"]["valid"] == 1
    assert body["summary"]["invalid"] == 1
    assert body["errors"] == [
        {
            "line": 3,
            "code": code,
            "message": body["errors"][0]["message"],
            "column": body["errors"][0]["column"],
        }
    ]
    assert body["errors"][0]["message"]


def test_duplicate_rows_keep_the_first_and_report_the_rest(imports, staff):
    text = (
        "日期,UserId,上班1打卡时间\n2026-03-02,u0001,09:00\n2026-03-02,u0001,10:00\n2026-03-02,u0002,09:00\n"
    )
    body = preview(imports, text).json()
    assert body["summary"]["duplicates"] == 1
    assert body["summary"]["valid"] == 2
    assert body["errors"][0]["code"] == "DUPLICATE_ROW"
    assert "line 2" in body["errors"][0]["message"]
    assert body["rows"][1]["state"] == "duplicate"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("名字,年龄\n张三,30\n", "IMPORT_NO_HEADER"),
        ("日期,UserId\n", "IMPORT_NO_ROWS"),
        ("日期,UserId\n" + ",\n" * 2000, "IMPORT_NO_ROWS"),
    ],
)
def test_files_without_header_or_rows_get_a_clear_422(imports, staff, text, code):
    response = preview(imports, text)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_a_header_followed_by_a_million_empty_lines_is_a_quick_no_rows_error(imports, staff):
    started = time.monotonic()
    response = preview(imports, "日期,UserId\n" + "\n" * 1_000_000)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IMPORT_NO_ROWS"
    assert time.monotonic() - started < 30  # a guard against pathological slowness, not a benchmark


def test_a_file_that_changes_encoding_half_way_is_400_with_the_line(imports, staff):
    utf8_rows = "".join(f"2026-03-{day % 28 + 1:02d},张三\n" for day in range(5000))  # past the sniffed head
    data = f"日期,姓名\n{utf8_rows}".encode() + "2026-03-03,李四\n".encode("gb18030")
    response = preview(imports, data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "IMPORT_ENCODING_INVALID"
    assert 1 < error["details"]["line"] <= 5002


def test_too_many_rows_is_a_clear_error(imports, staff, settings):
    settings.IMPORT_MAX_ROWS = 3
    text = "日期,UserId\n" + "".join(f"2026-03-0{day},u0001\n" for day in range(1, 6))
    response = preview(imports, text)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IMPORT_TOO_MANY_ROWS"


def test_imports_never_spell_the_daily_record_table():
    """The record table's SQL names come from attendance (apps/attendance/records_sql.py)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "apps" / "imports"
    spelled = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and "attendance_dailyrecord" in path.read_text(encoding="utf-8")
    ]
    assert spelled == []
