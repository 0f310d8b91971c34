"""Counts are exact: an upload's `lineCount` is the rows the reader yields (a CSV's records that hold a value,
whatever the chunks the body arrived in; an .xlsx's sheet rows), and a job's `total` while it validates is
the data rows (no title rows, no header)."""

import io

import pytest
from openpyxl import Workbook

from apps.imports import storage
from apps.imports.models import ImportJob

pytestmark = pytest.mark.django_db

HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间\r\n"


def rows(count: int) -> str:
    return "".join(f"2026-{1 + (n // 28):02d}-{1 + n % 28:02d},u0001,09:00,18:00\r\n" for n in range(count))


def line_count(imports, data: bytes, filename: str = "file.csv") -> int:
    response = imports.upload_bytes(data, filename, "application/octet-stream")
    assert response.status_code == 201, response.json()
    return response.json()["lineCount"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + rows(3), 4),
        ((HEADER + rows(3)).rstrip("\r\n"), 4),  # no line end after the last row (counted once)
        ("\r\n\r\n" + HEADER + rows(3) + "\r\n\r\n", 4),  # blank lines before and after
        (HEADER + ",,,\r\n" + rows(2) + ' , ,"",\r\n', 3),  # rows of empty cells, as spreadsheets write
        ('日期,UserId,异常原因\n2026-03-02,u0001,"two\nlines"\n2026-03-03,u0001,"a ""quoted""\n\nnote"\n', 3),
        ("\ufeff" + HEADER + rows(1), 2),  # the BOM is no line of its own
    ],
)
def test_a_csvs_line_count_is_its_records_that_hold_a_value(imports, staff, text, expected):
    assert line_count(imports, text.encode("utf-8")) == expected


@pytest.mark.parametrize("split", [1, 2])
def test_a_line_end_split_between_two_chunks_is_counted_once(imports, staff, split):
    """The raw body arrives in RAW_CHUNK pieces: a CRLF (or a quoted cell's line end) across a boundary is
    still one line end."""
    head = HEADER + rows(1)
    filler = "2026-03-02,u0001,09:00,"
    body = head + filler
    # The first chunk ends inside the CRLF (split 1) or just before it (split 2).
    pad = storage.RAW_CHUNK - len(body.encode()) - split
    text = body + "1" * pad + "\r\n" + rows(2)
    assert line_count(imports, text.encode()) == 5
    quoted = head + filler + '"' + "x" * (pad - 1) + '\r\n"\r\n' + rows(2)
    assert line_count(imports, quoted.encode()) == 5  # the line end inside quotes starts no record


def test_an_xlsx_line_count_is_its_sheets_rows_and_a_jobs_total_its_data_rows(
    imports, staff, django_capture_on_commit_callbacks
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["每日统计表"])
    sheet.append(["统计日期", "2026-01-01 至 2026-01-28"])
    sheet.append(["日期", "UserId", "上班1打卡时间", "下班1打卡时间"])
    for day in range(1, 29):
        sheet.append([f"2026-01-{day:02d}", "u0001", "09:00", "18:00"])
    sheet.append(["2026-02-30", "u0001", "09:00", "18:00"])  # one bad row: the commit fails, total stays
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = imports.upload_bytes(buffer.getvalue(), "daily.xlsx", "application/octet-stream").json()
    assert upload["lineCount"] == 32
    token = imports.prepare(upload["id"]).json()["commitToken"]
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.commit(token, "xlsx-total", **{"async": True})
    job = imports.api.get(f"/api/attendance/import/jobs/{response.json()['job']['id']}").json()
    assert job["status"] == "failed"
    assert job["total"] == 29  # the data rows: not 32 (two title rows and the header)


def test_a_jobs_total_while_validating_is_the_data_rows(
    imports, staff, monkeypatch, django_capture_on_commit_callbacks
):
    """The total the job shows from the first progress report on, read while the pass runs."""
    from apps.imports import pipeline

    seen = []
    real = pipeline._validate_rows

    def spy(rows, **kwargs):
        seen.append(ImportJob.objects.get().total)
        return real(rows, **kwargs)

    monkeypatch.setattr(pipeline, "_validate_rows", spy)
    text = "每日统计表,,,\r\n\r\n" + HEADER + rows(40) + "\r\n"
    upload_id = imports.upload(text)
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.preview(upload_id, **{"async": True})
    assert response.status_code == 202
    assert seen == [40]
