"""Plausibility warnings in the preview: a row dated in the future or more than a year back, and day-time
punches for a member on a night shift, are valid rows with a warning in words (English and Chinese); they
still import."""

from datetime import time

import pytest
import time_machine

from apps.attendance import services as attendance
from apps.attendance.models import MONDAY_TO_FRIDAY
from tests.attendance.conftest import at

pytestmark = pytest.mark.django_db

HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        yield


@pytest.fixture
def night_li(org, staff):
    night = attendance.shift_create(
        organization=org, name="Night", start_time=time(22), end_time=time(6), break_minutes=30
    )
    attendance.shift_assignment_create(member=staff["li"], shift=night, weekdays=MONDAY_TO_FRIDAY)


def _rows(imports, text: str, **headers):
    upload_id = imports.upload(text)
    response = imports.api.post(f"{imports.base}/preview", {"uploadId": upload_id}, format="json", **headers)
    assert response.status_code == 200, response.json()
    body = response.json()
    return body, {row["line"]: row for row in body["rows"]}


def test_rows_far_from_today_and_day_times_on_a_night_shift_are_warned_not_refused(imports, staff, night_li):
    text = (
        HEADER
        + "2026-03-02,u0001,09:00,18:00,正常,\n"  # line 2: nothing odd
        + "2027-03-02,u0001,09:00,18:00,正常,\n"  # line 3: next year
        + "2024-03-01,u0001,09:00,18:00,正常,\n"  # line 4: two years back
        + "2026-03-03,u0002,09:00,18:00,正常,\n"  # line 5: 李四 works nights
    )
    body, rows = _rows(imports, text)

    assert body["summary"]["valid"] == 4 and body["summary"]["invalid"] == 0
    assert body["summary"]["warnings"] == 3
    assert rows[2]["warnings"] == []
    assert [w["code"] for w in rows[3]["warnings"]] == ["DATE_IN_FUTURE"]
    assert rows[3]["warnings"][0]["message"] == (
        "2 Mar 2027 has not come yet: check the year and the order of day and month in the file."
    )
    assert [w["code"] for w in rows[4]["warnings"]] == ["DATE_LONG_AGO"]
    assert (
        rows[4]["warnings"][0]["message"] == "1 Mar 2024 is more than a year ago: check the year in the file."
    )
    assert [w["code"] for w in rows[5]["warnings"]] == ["DAY_TIMES_NIGHT_SHIFT"]
    assert rows[5]["warnings"][0]["message"].startswith("李四 works the night shift 22:00\u201306:00")
    # Warnings, not errors: the rows import.
    prepared = imports.prepare(imports.upload(text))
    batch = imports.commit(prepared.json()["commitToken"], "warned").json()
    assert batch["createdCount"] == 4


def test_night_times_for_the_night_worker_and_day_times_for_a_day_worker_are_not_warned(
    imports, staff, night_li
):
    text = HEADER + "2026-03-03,u0002,22:02,23:59,正常,\n" + "2026-03-03,u0001,09:00,18:00,正常,\n"
    body, rows = _rows(imports, text)
    assert rows[2]["warnings"] == [] and rows[3]["warnings"] == []
    assert body["summary"]["warnings"] == 0


def test_the_warnings_are_in_chinese_for_a_chinese_reader(imports, staff, night_li):
    text = HEADER + "2027-03-02,u0001,09:00,18:00,正常,\n" + "2026-03-03,u0002,09:00,18:00,正常,\n"
    _body, rows = _rows(imports, text, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "2027年3月2日" in rows[2]["warnings"][0]["message"]
    assert "夜班" in rows[3]["warnings"][0]["message"]


def _long_file(count: int, odd: dict[int, str]) -> str:
    """`count` rows of 王五 (u0001), one a day back from 2026-03-09, all plausible, but data row `n` of `odd`
    replaced by its text."""
    from datetime import date, timedelta

    lines = [
        odd.get(n) or f"{date(2026, 3, 9) - timedelta(days=n):%Y-%m-%d},u0001,09:00,18:00,正常,"
        for n in range(1, count + 1)
    ]
    return HEADER + "\n".join(lines) + "\n"


def test_the_warnings_are_counted_over_the_whole_file_not_only_the_rows_shown(imports, staff, night_li):
    text = _long_file(
        260,
        {
            240: "2027-03-02,u0001,09:00,18:00,正常,",  # next year
            250: "2026-03-03,u0002,09:00,18:00,正常,",  # 李四 works nights
            255: "2024-03-01,u0001,09:00,18:00,正常,",  # two years back
            258: "2026-03-04,u0002,22:01,23:58,正常,",  # 李四 at night: nothing odd
        },
    )
    upload_id = imports.upload(text)
    response = imports.api.post(
        f"{imports.base}/preview", {"uploadId": upload_id, "previewLimit": 200}, format="json"
    )
    body = response.json()
    assert body["summary"]["totalRows"] == 260 and body["summary"]["valid"] == 260
    assert len(body["rows"]) == 200
    assert all(row["warnings"] == [] for row in body["rows"])
    assert body["summary"]["warnings"] == 3


def test_the_whole_file_count_leaves_out_rows_that_are_not_imported(imports, staff, night_li):
    text = _long_file(
        210,
        {
            205: "2027-03-02,u0001,09:00,18:00,正常,",  # next year, imported
            206: "2027-03-02,u0001,09:00,18:00,正常,",  # the same day again: a duplicate, skipped
            207: "2027-03-05,u9999,09:00,18:00,正常,",  # nobody: refused
        },
    )
    upload_id = imports.upload(text)
    body = imports.api.post(f"{imports.base}/preview", {"uploadId": upload_id}, format="json").json()
    assert body["summary"]["duplicates"] == 1 and body["summary"]["invalid"] == 1
    assert body["summary"]["warnings"] == 1
