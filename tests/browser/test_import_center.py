"""The Import Center in a real browser: a DingTalk export in GB18030 with title rows goes through upload,
preview, async commit with its progress bar, shows up on the employee's page, and is rolled back."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from apps.access import roles
from apps.imports.tasks import import_job_execute
from tests.browser.helpers import login, screenshot, sign_out
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

EN_DASH = "\u2013"  # between the times on the employee's calendar
HEADER = "日期,工号,姓名,考勤组,上班1打卡时间,下班1打卡时间,考勤结果,异常原因"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(make_member):
    return {
        "importer": make_member("ivan", roles.IMPORTER, display_name="Ivan Importer"),
        "zhang": make_member("zhang", roles.EMPLOYEE, employee_no="E1", display_name="张三"),
        "li": make_member("li", roles.EMPLOYEE, employee_no="E2", display_name="李四"),
    }


def last_month_days(org) -> tuple:
    """Three working days of last month: always in the past, whatever day the test runs."""
    first = timezone.localdate(timezone=org.tzinfo).replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    days = [start + timedelta(days=n) for n in range(14) if (start + timedelta(days=n)).isoweekday() < 6]
    return tuple(days[:3])


def dingtalk_file(rows: list[str], first, last) -> bytes:
    """A DingTalk daily summary as it comes out of DingTalk: two title rows, then the Chinese header."""
    lines = [
        "每日统计表,,,,,,,",
        f"统计日期：{first:%Y-%m-%d} 至 {last:%Y-%m-%d},,,,,,,",  # noqa: RUF001 - DingTalk's full-width colon
        HEADER,
        *rows,
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def test_dingtalk_file_from_upload_to_rollback(page, live_server, org, people):
    d1, d2, _ = last_month_days(org)
    data = dingtalk_file(
        [
            f"{d1:%Y-%m-%d},E1,张三,白班,08:58,18:05,正常,",
            f"{d1:%Y-%m-%d},E2,李四,白班,09:12,18:00,迟到,上班迟到12分钟",
            f"{d2:%Y-%m-%d},E1,张三,白班,09:01,18:30,正常,",
            f"{d2:%Y-%m-%d},E9,赵六,白班,09:00,18:00,正常,",  # nobody has E9: a row error
        ],
        d1,
        d2,
    )

    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    expect(page.get_by_role("heading", name="Import Center", exact=True)).to_be_visible()
    expect(page.get_by_test_id("batch-history-empty")).to_be_visible()
    screenshot(page, "import-center")

    # Upload through the file input; the page previews at once.
    page.get_by_test_id("import-file").set_input_files(
        {"name": "钉钉每日统计.csv", "mimeType": "text/csv", "buffer": data}
    )
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("detected-format")).to_have_text("DingTalk daily summary")
    expect(page.get_by_test_id("detected-encoding")).to_have_text("GB18030")
    expect(preview.locator("#ic-d-header")).to_have_text("3")
    mapping = page.get_by_test_id("mapping-table")
    expect(mapping.locator("tr", has_text="工号")).to_contain_text("Employee no.")
    expect(mapping.locator("tr", has_text="上班1打卡时间")).to_contain_text("Check-in 1")
    expect(mapping.locator("tr", has_text="考勤组")).to_contain_text("Attendance group")
    counters = page.locator("#ic-counters")
    expect(counters.locator("[data-key=totalRows] .n")).to_have_text("4")
    expect(counters.locator("[data-key=valid] .n")).to_have_text("3")
    expect(counters.locator("[data-key=invalid] .n")).to_have_text("1")
    expect(counters.locator("[data-key=toCreate] .n")).to_have_text("3")

    rows = page.get_by_test_id("preview-rows").locator("tbody tr")
    expect(rows).to_have_count(4)
    bad = rows.filter(has=page.locator("td.ic-line", has_text=re.compile(r"^7$")))
    expect(bad).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(bad).to_contain_text("UNKNOWN_MEMBER")
    expect(bad).to_contain_text("E9")
    good = rows.filter(has=page.locator("td.ic-line", has_text=re.compile(r"^4$")))
    expect(good).not_to_have_class(re.compile(r"is-invalid"))
    expect(good).to_contain_text("张三")
    expect(good).to_contain_text("08:58")
    expect(good).to_contain_text("New")
    expect(good).to_contain_text(f"{d1.day} {d1:%b} {d1.year}")  # the pages' one date format
    # Errors only: the OK rows step aside, the counts say what there is.
    expect(page.get_by_test_id("row-counts")).to_have_text("1 with errors · 0 to check · 3 OK")
    page.get_by_label("Show only the rows with errors or warnings").check()
    expect(rows.locator("visible=true")).to_have_count(1)
    expect(bad).to_be_visible()
    expect(good).to_be_hidden()
    screenshot(page, "import-preview-errors-only")
    page.get_by_label("Show only the rows with errors or warnings").uncheck()
    expect(good).to_be_visible()
    skip = page.get_by_label("Import the valid rows and skip the others", exact=False)
    expect(skip).to_be_checked()
    commit_button = page.get_by_test_id("commit-button")
    expect(commit_button).to_have_text("Import 3 valid rows")
    page.get_by_label("Import nothing: I will fix the file", exact=False).check()
    expect(commit_button).to_be_disabled()
    skip.check()
    expect(commit_button).to_be_enabled()
    screenshot(page, "import-preview")

    # Commit (always async from the page) and follow the progress bar to the end.
    bar = page.get_by_test_id("commit-progress")
    page.evaluate(
        """() => {
          window.progressSeen = [];
          const bar = document.getElementById("ic-progress-bar");
          new MutationObserver(() => window.progressSeen.push(bar.getAttribute("aria-valuenow")))
            .observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
        }"""
    )
    with page.expect_response(lambda r: r.url.endswith("/api/attendance/import/commit")) as answer:
        page.get_by_test_id("commit-button").click()
    commit_body = answer.value.json()
    assert answer.value.status in (200, 202)
    assert (commit_body.get("batch") or commit_body)["idempotencyKey"].startswith("ic-")

    result = page.get_by_test_id("commit-result")
    expect(result).to_be_visible()
    expect(result).to_contain_text(re.compile(r"Batch #\d+ imported"))
    expect(bar).to_have_attribute("aria-valuenow", "4")
    expect(bar).to_have_attribute("aria-valuemax", "4")
    expect(page.locator("#ic-progress-text")).to_have_text("4 of 4 rows (100%)")
    seen = page.evaluate("window.progressSeen")
    assert seen[0] == "0" and seen[-1] == "4", seen
    expect(result.get_by_role("link", name="Download the error file")).to_be_visible()
    expect(page.get_by_test_id("commit-button")).to_be_hidden()
    expect(page.get_by_test_id("choose-another")).to_have_text("Import another file")

    batch_row = page.get_by_test_id("batch-row").first
    expect(batch_row).to_have_attribute("data-status", "completed")
    expect(batch_row).to_contain_text("钉钉每日统计.csv")
    expect(batch_row).to_contain_text("3 new · 0 updated · 0 unchanged")
    expect(batch_row).to_contain_text("1 not imported")
    batch_id = batch_row.get_attribute("data-batch-id")
    errors_link = batch_row.get_by_test_id("batch-errors")
    assert errors_link.get_attribute("href") == f"/api/attendance/import/batches/{batch_id}/errors.csv"
    with page.expect_download() as download:
        errors_link.click()
    assert "E9" in download.value.path().read_bytes().decode("utf-8-sig")
    screenshot(page, "import-committed")

    # The employee sees the imported days on their own page.
    sign_out(page)
    login(page, live_server, "zhang", PASSWORD, next_url=f"/attendance/?month={d1:%Y-%m}")
    day = page.get_by_test_id(f"day-{d1:%Y-%m-%d}")
    expect(day.get_by_test_id("day-status")).to_have_text("Normal")
    expect(day.get_by_test_id("day-times")).to_have_text(f"08:58{EN_DASH}18:05")
    expect(page.get_by_test_id(f"day-{d2:%Y-%m-%d}").get_by_test_id("day-times")).to_have_text(
        f"09:01{EN_DASH}18:30"
    )

    # Back as the importer: roll the batch back, after confirming.
    sign_out(page)
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    batch_row = page.locator(f"[data-testid=batch-row][data-batch-id='{batch_id}']")
    batch_row.get_by_test_id("batch-rollback").click()
    dialog = page.get_by_test_id("rollback-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(f"Roll back batch #{batch_id}?")
    expect(dialog).to_contain_text("the 3 records it created will be deleted")

    # Cancelling changes nothing.
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(batch_row).to_have_attribute("data-status", "completed")

    batch_row.get_by_test_id("batch-rollback").click()
    with page.expect_response(lambda r: r.url.endswith(f"/batches/{batch_id}/rollback")) as answer:
        dialog.get_by_test_id("rollback-confirm").click()
    assert answer.value.status == 200
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("import-status")).to_contain_text(f"Batch #{batch_id} was rolled back.")
    expect(batch_row).to_have_attribute("data-status", "rolled_back")
    expect(batch_row).to_contain_text("Rolled back")
    expect(batch_row.get_by_test_id("batch-rollback")).to_have_count(0)
    screenshot(page, "import-rolled-back")

    # And the records are gone from the employee's page.
    sign_out(page)
    login(page, live_server, "zhang", PASSWORD, next_url=f"/attendance/?month={d1:%Y-%m}")
    expect(page.get_by_test_id(f"day-{d1:%Y-%m-%d}")).to_be_visible()
    expect(page.get_by_test_id(f"day-{d1:%Y-%m-%d}").get_by_test_id("day-status")).to_have_count(0)
    expect(page.get_by_test_id(f"day-{d2:%Y-%m-%d}").get_by_test_id("day-status")).to_have_count(0)


def test_async_commit_polls_the_job_until_a_worker_finishes_it(page, live_server, org, people, monkeypatch):
    """With a real queue the commit answers 202 at once; the page polls the job and shows its progress
    until a worker (here: this test, doing what the Celery task does) has finished it."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    d1, _, _ = last_month_days(org)
    data = dingtalk_file(
        [f"{d1:%Y-%m-%d},E1,张三,白班,08:58,18:05,正常,", f"{d1:%Y-%m-%d},E2,李四,白班,09:00,18:00,正常,"],
        d1,
        d1,
    )
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    page.get_by_test_id("import-file").set_input_files(
        {"name": "week.csv", "mimeType": "text/csv", "buffer": data}
    )
    expect(page.get_by_test_id("commit-button")).to_have_text("Import 2 rows")
    with page.expect_response(lambda r: r.url.endswith("/api/attendance/import/commit")) as answer:
        page.get_by_test_id("commit-button").click()
    assert answer.value.status == 202
    job_id = answer.value.json()["job"]["id"]

    # Queued: the page keeps polling and says so. After five polls it asks every two seconds.
    for _ in range(5):
        with page.expect_response(lambda r: r.url.endswith(f"/api/attendance/import/jobs/{job_id}")):
            pass
    expect(page.locator("#ic-progress-text")).to_have_text(re.compile(r"^0 of \d+ rows \(0%\)$"))
    expect(page.get_by_test_id("import-status")).to_contain_text("Importing")
    expect(page.get_by_test_id("commit-result")).to_be_hidden()
    expect(page.get_by_test_id("batch-row")).to_have_count(0)

    run_like_the_worker(job_id)

    expect(page.get_by_test_id("commit-result")).to_contain_text(re.compile(r"Batch #\d+ imported"))
    expect(page.get_by_test_id("commit-progress")).to_have_attribute("aria-valuenow", "2")
    expect(page.locator("#ic-progress-text")).to_have_text("2 of 2 rows (100%)")
    expect(page.get_by_test_id("batch-row").first).to_have_attribute("data-status", "completed")


def run_like_the_worker(job_id: int) -> None:
    """What the Celery task does with the job, with its retry on OperationalError: on SQLite the live
    server's thread shares the in-memory database, and a poll reading the job table at that moment
    makes a write here fail with "database table is locked" instead of waiting."""
    for attempt in range(5):
        try:
            import_job_execute(job_id=job_id)
        except OperationalError:
            if attempt == 4:
                raise
        else:
            return


def _import_through_api(member, data: bytes, key: str) -> int:
    api = APIClient()
    api.force_login(member.user)
    base = "/api/attendance/import"
    upload = api.generic("POST", f"{base}/upload?filename=week.csv", data=data, content_type="text/csv")
    assert upload.status_code == 201, upload.json()
    token = api.post(f"{base}/prepare", {"uploadId": upload.json()["id"]}, format="json").json()[
        "commitToken"
    ]
    batch = api.post(f"{base}/commit", {"commitToken": token, "idempotencyKey": key}, format="json")
    assert batch.status_code == 200, batch.json()
    return batch.json()["id"]


def test_rollback_refused_because_a_later_batch_changed_the_records_names_them(
    page, live_server, org, people
):
    d1, _, _ = last_month_days(org)
    first = _import_through_api(
        people["importer"], dingtalk_file([f"{d1:%Y-%m-%d},E1,张三,白班,08:58,18:05,正常,"], d1, d1), "k-1"
    )
    second = _import_through_api(
        people["importer"], dingtalk_file([f"{d1:%Y-%m-%d},E1,张三,白班,09:30,18:05,迟到,"], d1, d1), "k-2"
    )

    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    row = page.locator(f"[data-testid=batch-row][data-batch-id='{first}']")
    row.get_by_test_id("batch-rollback").click()
    dialog = page.get_by_test_id("rollback-dialog")
    with page.expect_response(lambda r: r.url.endswith(f"/batches/{first}/rollback")) as answer:
        dialog.get_by_test_id("rollback-confirm").click()
    assert answer.value.status == 409
    alert = dialog.get_by_role("alert")
    # The next step in words: the later batch goes first.
    expect(alert).to_contain_text(f"Roll back batch #{second} first")
    expect(alert).to_contain_text(f"张三 · {d1.day} {d1:%b} {d1.year} · changed since by batch #{second}")
    screenshot(page, "import-rollback-refused")
    expect(dialog.get_by_test_id("rollback-confirm")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_have_attribute("data-status", "completed")


def test_export_downloads_the_chosen_members_records_for_excel(page, live_server, org, people):
    d1, d2, _ = last_month_days(org)
    _import_through_api(
        people["importer"],
        dingtalk_file(
            [
                f"{d1:%Y-%m-%d},E1,张三,白班,08:58,18:05,正常,",
                f"{d2:%Y-%m-%d},E2,李四,白班,09:20,18:00,迟到,",
            ],
            d1,
            d2,
        ),
        "k-export",
    )
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    form = page.get_by_test_id("export-form")
    form.get_by_label("From").fill(f"{d2:%Y-%m-%d}")
    form.get_by_label("To").fill(f"{d1:%Y-%m-%d}")
    form.get_by_test_id("export-button").click()
    expect(page.get_by_test_id("import-status")).to_contain_text(
        "The start date must not be after the end date."
    )

    form.get_by_label("From").fill(f"{d1:%Y-%m-%d}")
    form.get_by_label("To").fill(f"{d2:%Y-%m-%d}")
    with page.expect_response(lambda r: "/member" in r.url and "q=" in r.url):
        form.get_by_label("Find a member").fill("E2")
    expect(form.get_by_label("Member", exact=True).locator("option")).to_have_count(2)
    form.get_by_label("Member", exact=True).select_option(label="李四 · E2")
    with page.expect_download() as download:
        form.get_by_test_id("export-button").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日期", "工号", "姓名"]
    assert [row[:3] for row in rows[1:]] == [[f"{d2:%Y-%m-%d}", "E2", "李四"]]
    expect(page.get_by_test_id("import-status")).to_contain_text("Export downloaded")


def test_a_file_that_is_not_an_import_gets_a_readable_message(page, live_server, people):
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    page.get_by_test_id("import-file").set_input_files(
        {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}
    )
    expect(page.get_by_test_id("import-status")).to_contain_text("Choose a .csv or .xlsx file.")

    page.get_by_test_id("import-file").set_input_files(
        {
            "name": "notes.csv",
            "mimeType": "text/csv",
            "buffer": "购物清单,数量\r\n苹果,3\r\n".encode("gb18030"),
        }
    )
    status = page.get_by_test_id("import-status").locator(".alert-error")
    expect(status).to_be_visible()
    expect(status).not_to_be_empty()
    expect(page.get_by_test_id("import-preview")).to_be_hidden()


def test_the_page_on_a_phone_and_the_drop_zone_from_the_keyboard(mobile_page, live_server, org, people):
    d1, _, _ = last_month_days(org)
    _import_through_api(
        people["importer"], dingtalk_file([f"{d1:%Y-%m-%d},E1,张三,白班,08:58,18:05,正常,"], d1, d1), "k-m"
    )
    page = mobile_page
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    drop = page.get_by_test_id("import-dropzone")
    expect(drop).to_be_visible()
    expect(page.get_by_test_id("batch-row")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px wide)"
    screenshot(page, "import-center-mobile")

    # Intercepting the native file chooser is switched on by the first listener; switch it on before the key
    # press (not as part of it), and make sure the page's script has wired the drop zone.
    page.on("filechooser", lambda _chooser: None)
    page.wait_for_load_state("load")
    drop.focus()
    with page.expect_file_chooser(timeout=20_000) as chooser:
        page.keyboard.press("Enter")
    assert not chooser.value.is_multiple()


def test_the_people_not_found_are_listed_and_names_matched_only_when_asked(
    page, live_server, org, people, make_member
):
    d1, d2, _ = last_month_days(org)
    data = dingtalk_file(
        [
            f"{d1:%Y-%m-%d},E1,张三,白班,08:58,18:05,正常,",
            f"{d1:%Y-%m-%d},,李四,白班,09:00,18:00,正常,",  # no 工号: found by name only when asked
            f"{d2:%Y-%m-%d},,李四,白班,09:00,18:00,正常,",
            f"{d2:%Y-%m-%d},E9,赵六,白班,09:00,18:00,正常,",  # nobody has E9 yet
        ],
        d1,
        d2,
    )
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    match = page.get_by_test_id("match-by-name")
    expect(match).not_to_be_checked()
    page.get_by_test_id("import-file").set_input_files(
        {"name": "daily.csv", "mimeType": "text/csv", "buffer": data}
    )
    unmatched = page.get_by_test_id("unmatched-people")
    expect(unmatched).to_be_visible()
    expect(unmatched).to_contain_text("People not found")
    people_rows = page.get_by_test_id("unmatched-table").locator("tbody tr")
    expect(people_rows).to_have_count(2)
    expect(people_rows.nth(0)).to_contain_text("李四")
    expect(people_rows.nth(0)).to_contain_text("Lines 5, 6")
    expect(people_rows.nth(1)).to_contain_text("E9")
    expect(people_rows.nth(1)).to_contain_text("赵六")
    expect(page.locator("#ic-counters [data-key=valid] .n")).to_have_text("1")
    screenshot(page, "import-unmatched")

    # Asked to match by name, the page checks the file again: 李四 is found, 赵六 is still missing.
    with page.expect_response(lambda r: r.url.endswith("/api/attendance/import/preview")) as answer:
        match.check()
    assert answer.value.request.post_data_json["matchByName"] is True
    expect(people_rows).to_have_count(1)
    expect(people_rows.nth(0)).to_contain_text("赵六")
    expect(page.locator("#ic-counters [data-key=valid] .n")).to_have_text("3")

    # An admin adds 赵六 with the 工号; checking again finds everyone.
    make_member("zhao", roles.EMPLOYEE, employee_no="E9", display_name="赵六")
    page.get_by_test_id("preview-again").click()
    expect(unmatched).to_be_hidden()
    expect(page.locator("#ic-counters [data-key=valid] .n")).to_have_text("4")
    with page.expect_response(lambda r: r.url.endswith("/api/attendance/import/commit")) as answer:
        page.get_by_test_id("commit-button").click()
    assert answer.value.request.post_data_json["matchByName"] is True
    expect(page.get_by_test_id("commit-result")).to_contain_text(re.compile(r"Batch #\d+ imported"))
    client = APIClient()
    client.force_login(people["li"].user)
    records = client.get("/api/attendance/records", {"from": f"{d1:%Y-%m-%d}", "to": f"{d2:%Y-%m-%d}"}).json()
    assert records["count"] == 2


def test_the_to_check_counter_counts_the_warnings_of_the_whole_file(page, live_server, org, people):
    today = timezone.localdate(timezone=org.tzinfo)
    rows = [f"{today - timedelta(days=n):%Y-%m-%d},E1,张三,白班,09:00,18:00,正常," for n in range(1, 251)]
    rows[239] = (
        f"{today + timedelta(days=40):%Y-%m-%d},E1,张三,白班,09:00,18:00,正常,"  # row 240: not come yet
    )
    data = dingtalk_file(rows, today - timedelta(days=250), today)
    login(page, live_server, "ivan", PASSWORD, next_url="/import-center/")
    page.get_by_test_id("import-file").set_input_files(
        {"name": "long.csv", "mimeType": "text/csv", "buffer": data}
    )
    expect(page.get_by_test_id("import-preview")).to_be_visible(timeout=20_000)  # 250 rows to check
    counters = page.locator("#ic-counters")
    expect(counters.locator("[data-key=totalRows] .n")).to_have_text("250")
    expect(page.get_by_test_id("warnings-counter")).to_contain_text("1")
    expect(page.get_by_test_id("warnings-counter")).to_contain_text("to check")
    # The rows shown are the first 200: the warned row is not among them, the counter still counts it.
    expect(page.get_by_test_id("row-counts")).to_have_text("0 with errors · 0 to check · 200 OK")
    expect(page.locator("#ic-rows-note")).to_contain_text("Showing the first 200 of 250 rows.")
    screenshot(page, "import-preview-warnings-counted")
