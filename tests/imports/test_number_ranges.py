"""Every number cell is range-checked: a value no day can hold (迟到时长 99999999999, 实出勤工时 99999999,
1e300, 400 digits) is an INVALID_NUMBER row error in preview, in a synchronous commit and in a job, never a
500 from the staging COPY (PostgreSQL's integer columns end at 2**31 - 1) nor a job left running."""

import io

import pytest
from openpyxl import Workbook

from apps.attendance.models import DailyRecord
from apps.imports.models import ImportItem

pytestmark = pytest.mark.django_db

# A DingTalk daily export: title rows above the header, Chinese headers, the numbers in their own columns.
EXPORT = (
    "每日统计表,,,,,,,\n"
    "统计日期：2026-03-02 至 2026-03-04,,,,,,,\n"  # noqa: RUF001 - DingTalk writes a full-width colon
    "日期,工号,姓名,UserId,上班1打卡时间,下班1打卡时间,迟到时长,实出勤工时\n"
    "2026-03-02,E1,张三,u0001,09:00,18:00,0,8\n"
    "2026-03-03,E1,张三,u0001,09:10,18:00,99999999999,8\n"
    "2026-03-04,E1,张三,u0001,09:00,18:00,0,99999999\n"
)


def upload_gbk(imports, text: str = EXPORT) -> int:
    response = imports.upload_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def number_errors(body) -> dict[int, str]:
    return {error["line"]: error["code"] for error in body["errors"]}


def test_out_of_range_numbers_are_row_errors_in_the_preview(imports, staff):
    response = imports.preview(upload_gbk(imports))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert number_errors(body) == {5: "INVALID_NUMBER", 6: "INVALID_NUMBER"}
    assert (body["summary"]["valid"], body["summary"]["invalid"]) == (1, 2)
    assert body["summary"]["errorCounts"] == {"INVALID_NUMBER": 2}


def test_a_synchronous_commit_skips_them_as_failed_items(imports, staff):
    upload_id = upload_gbk(imports)
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "numbers-skip", onError="skip")
    assert response.status_code == 200, response.json()
    assert (response.json()["createdCount"], response.json()["failedCount"]) == (1, 2)
    assert set(ImportItem.objects.filter(status="failed").values_list("line", "error_code")) == {
        (5, "INVALID_NUMBER"),
        (6, "INVALID_NUMBER"),
    }
    assert DailyRecord.objects.get().worked_minutes == 480


def test_a_synchronous_commit_with_reject_is_422_and_writes_nothing(imports, staff):
    upload_id = upload_gbk(imports)
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "numbers-reject")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IMPORT_ROWS_INVALID"
    assert not DailyRecord.objects.exists()


def test_a_job_finishes_with_them_instead_of_running_for_ever(
    imports, staff, django_capture_on_commit_callbacks
):
    upload_id = upload_gbk(imports)
    token = imports.prepare(upload_id).json()["commitToken"]
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.commit(token, "numbers-async", onError="skip", **{"async": True})
    assert response.status_code in (200, 202), response.json()
    batch_id = response.json()["batch"]["id"] if response.status_code == 202 else response.json()["id"]
    batch = imports.api.get(f"/api/attendance/import/batches/{batch_id}").json()
    assert batch["status"] == "completed"
    assert batch["failedCount"] == 2
    job = imports.api.get(f"/api/attendance/import/jobs/{batch['jobId']}").json()
    assert job["status"] == "completed"
    with django_capture_on_commit_callbacks(execute=True):
        preview = imports.preview(upload_id, **{"async": True})
    assert preview.status_code == 202
    job = imports.api.get(f"/api/attendance/import/jobs/{preview.json()['id']}").json()
    assert job["status"] == "completed"
    assert job["result"]["summary"]["errorCounts"] == {"INVALID_NUMBER": 2}


@pytest.mark.parametrize(
    "cell",
    ["1" * 400, "99999999999分钟", "1e9", "25小时", "-5", "1441"],
)
def test_other_numbers_no_day_holds_are_row_errors(imports, staff, cell):
    text = f"日期,UserId,上班1打卡时间,下班1打卡时间,早退时长\n2026-03-02,u0001,09:00,18:00,{cell}\n"
    body = imports.preview(imports.upload(text)).json()
    assert number_errors(body) == {2: "INVALID_NUMBER"}


def test_a_workbooks_huge_numbers_are_row_errors(imports, staff):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "UserId", "迟到时长", "实出勤工时"])
    sheet.append(["2026-03-02", "u0001", 99999999999, 8])
    sheet.append(["2026-03-03", "u0001", 0, 1e300])
    sheet.append(["2026-03-04", "u0001", 0, 7.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = imports.upload_bytes(buffer.getvalue(), "daily.xlsx", "application/octet-stream")
    body = imports.preview(response.json()["id"]).json()
    assert number_errors(body) == {2: "INVALID_NUMBER", 3: "INVALID_NUMBER"}
    assert body["rows"][2]["workedMinutes"] == 450


def test_a_punch_far_from_its_work_date_is_a_row_error(imports, staff):
    text = "日期,UserId,上班1打卡时间,下班1打卡时间\n2026-03-02,u0001,09:00,2099-03-02 18:00\n"
    body = imports.preview(imports.upload(text)).json()
    assert number_errors(body) == {2: "INVALID_TIME"}
