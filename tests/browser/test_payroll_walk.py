"""The monthly close as an administrator does it in the Admin Center, and what the employee sees meanwhile:
a template, cycles generated from it, the March cycle's readiness and anomalies (settled in one go), its
summary sorted; a lock
(the employee's punch is then refused with a sentence), a close, a reopen with a reason, a punch that changes
the figures, a second close, and the changes read back. Screenshots at 1366x900 and 390x844, English and
Chinese, go to output/playwright/payroll-*.png. The server clock is held at Wednesday 18 March 2026."""

import re

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import expect

from apps.access import roles
from tests.attendance.conftest import at
from tests.browser.helpers import roles_as_migrated, screenshot, sign_in_as
from tests.payroll_cycles.conftest import record

pytestmark = pytest.mark.browser

NOW = at("2026-03-18 08:56")
WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}


@pytest.fixture
def people(org, make_member, day_shift):
    roles_as_migrated()
    ada = make_member("ada", roles.ADMIN, display_name="Ada Admin", employee_no="A001")
    emma = make_member("emma", roles.EMPLOYEE, display_name="Emma Employee", employee_no="E100")
    li = make_member("li", roles.EMPLOYEE, display_name="李四", employee_no="E200")
    for day in ("02", "03", "04", "06", "09", "10", "11", "12", "13", "16", "17"):
        record(emma, f"2026-03-{day}")
        record(li, f"2026-03-{day}", start="08:30", end="20:30", worked=660)
    record(emma, "2026-03-05", "partial", end="")
    record(li, "2026-03-05", "late", start="09:40", late=40, worked=440)
    return {"ada": ada, "emma": emma, "li": li}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def both_sizes(page, name: str) -> None:
    """Screenshots of the page as it is at 1366x900 and 390x844, and no sideways scroll on the phone."""
    page.set_viewport_size(WIDE)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(NARROW)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px at 390 wide"
    screenshot(page, f"{name}-390")
    page.set_viewport_size(WIDE)


def no_codes(page) -> None:
    text = page.locator("main").inner_text()
    for code in ("PERIOD_LOCKED", "CYCLE_", "REASON_REQUIRED", "_minutes", "snapshot"):
        assert code not in text, code


def test_the_monthly_close(page, live_server, people, clock):
    page.set_viewport_size(WIDE)
    page.on("dialog", lambda dialog: dialog.accept())  # "Close this cycle and save everyone's figures?"
    sign_in_as(page, live_server, "ada", "/admin-center/")

    # --- a template, then three cycles from it ----------------------------------------------------------
    page.get_by_test_id("section-payroll").click()
    expect(page.get_by_role("heading", name="Payroll cycles")).to_be_visible()
    page.get_by_role("link", name="Add a template").click()
    form = page.get_by_test_id("template-form")
    form.get_by_label("Name").fill("Monthly")
    form.get_by_label("First day", exact=True).fill("1")
    form.get_by_label("Last day", exact=True).fill("31")
    form.get_by_label("The default template").check()
    page.get_by_test_id("template-save").click()
    expect(page.get_by_text("Template Monthly saved.")).to_be_visible()
    expect(page.get_by_test_id("template-row")).to_contain_text("The whole month")
    both_sizes(page, "payroll-templates")

    page.get_by_test_id("payroll-nav").get_by_role("link", name="Cycles").click()
    form = page.get_by_test_id("generate-form")
    form.get_by_label("Start with the period that includes").fill("2026-02-10")
    form.get_by_label("How many periods").fill("3")
    page.get_by_test_id("generate-submit").click()
    expect(page.get_by_text("3 cycles created.")).to_be_visible()
    expect(page.get_by_test_id("cycle-row")).to_have_count(3)
    no_codes(page)
    both_sizes(page, "payroll-cycles")

    # --- March: readiness, anomalies, summary -----------------------------------------------------------
    page.get_by_role("link", name="Monthly 1 Mar 2026 \u2013 31 Mar 2026").click()
    readiness = page.get_by_test_id("readiness")
    expect(readiness).to_have_attribute("data-ready", "no")
    expect(page.get_by_test_id("ready-anomalies")).to_contain_text("Missing punch 1")
    expect(page.get_by_test_id("ready-anomalies")).to_contain_text("Late 1")
    both_sizes(page, "payroll-cycle")

    page.get_by_test_id("cycle-nav").get_by_role("link", name="Anomalies").click()
    rows = page.get_by_test_id("anomaly-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Missed check-out request")
    no_codes(page)
    both_sizes(page, "payroll-anomalies")
    # Both settled at once: a missed check-out and a time correction, approved on the spot.
    page.get_by_test_id("settle-all").check()
    page.get_by_test_id("settle-approve").check()
    page.get_by_test_id("settle-submit").click()
    expect(page.get_by_text("2 days settled: their requests are approved.")).to_be_visible()
    expect(page.get_by_test_id("no-anomalies")).to_be_visible()

    page.get_by_test_id("cycle-nav").get_by_role("link", name="Summary").click()
    page.get_by_test_id("sort-worked").click()  # ascending
    page.get_by_test_id("sort-worked").click()  # descending
    expect(page.get_by_test_id("sort-worked").locator("xpath=..")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.get_by_test_id("summary-row").first).to_have_attribute("data-member", "li")
    expect(page.get_by_test_id("summary-export")).to_have_attribute(
        "href", re.compile(r"/summary/export\.csv\?bom=1$")
    )
    no_codes(page)
    both_sizes(page, "payroll-summary")

    # --- lock: the employee's punch is refused, with a sentence -----------------------------------------
    page.get_by_test_id("cycle-nav").get_by_role("link", name="Readiness and actions").click()
    expect(page.get_by_test_id("readiness")).to_have_attribute("data-ready", "yes")
    page.get_by_test_id("lock").click()
    expect(page.get_by_text("is locked: attendance on its days can no longer change.")).to_be_visible()
    expect(page.get_by_test_id("cycle-status")).to_have_attribute("data-status", "locked")

    sign_in_as(page, live_server, "emma", "/attendance/")
    card = page.get_by_test_id("payroll-cycle-card")
    expect(card).to_contain_text("1 Mar 2026 \u2013 31 Mar 2026")
    expect(page.get_by_test_id("payroll-cycle-locked")).to_be_visible()
    page.get_by_test_id("clock-in").click()
    expect(page.get_by_test_id("punch-feedback")).to_have_text(
        "This date is in a locked period; attendance for it can no longer change."
    )
    no_codes(page)
    both_sizes(page, "payroll-employee-locked")

    # --- close, reopen with a reason, a punch, close again, read the changes ----------------------------
    sign_in_as(page, live_server, "ada", "/admin-center/payroll/?status=locked")
    page.get_by_role("link", name="Monthly 1 Mar 2026 \u2013 31 Mar 2026").click()
    page.get_by_test_id("close").click()
    expect(page.get_by_text("Its figures were saved as settlement version 1.")).to_be_visible()
    page.get_by_test_id("reopen").click()  # without a reason the browser asks for one
    expect(page.get_by_test_id("cycle-status")).to_have_attribute("data-status", "closed")
    page.get_by_test_id("reopen-reason").fill("Emma clocked in on the 18th after the lock")
    page.get_by_test_id("reopen").click()
    expect(
        page.get_by_text("is open again. Closing it again saves a new settlement version.")
    ).to_be_visible()

    sign_in_as(page, live_server, "emma", "/attendance/")
    expect(page.get_by_test_id("payroll-cycle-locked")).to_have_count(0)
    page.get_by_test_id("clock-in").click()
    expect(page.get_by_test_id("punch-feedback")).to_contain_text("Clocked in at")
    clock.move_to(at("2026-03-18 18:05"))
    page.reload()
    page.get_by_test_id("clock-out").first.click()
    page.get_by_test_id("confirm-yes").click()  # clocking out asks first
    expect(page.get_by_test_id("punch-feedback")).to_contain_text("Clocked out at 18:05")
    expect(page.get_by_test_id("card-worked")).to_have_text(
        re.compile(r"^104\.\d\d h$")
    )  # the card fetched itself again
    both_sizes(page, "payroll-employee")

    sign_in_as(page, live_server, "ada", "/admin-center/payroll/")
    page.get_by_role("link", name="Monthly 1 Mar 2026 \u2013 31 Mar 2026").click()
    page.get_by_test_id("close").click()
    expect(page.get_by_text("Its figures were saved as settlement version 2.")).to_be_visible()
    page.get_by_test_id("cycle-nav").get_by_role("link", name="Changes").click()
    expect(page.get_by_test_id("changes-versions")).to_have_text(
        "Settlement version 1 compared with version 2."
    )
    expect(page.get_by_test_id("reopen-reasons")).to_contain_text(
        "Emma clocked in on the 18th after the lock"
    )
    emma = page.locator('[data-testid=change-member][data-member="emma"]')
    worked = emma.get_by_test_id("change-row").filter(has_text="Worked")
    expect(worked.first).to_contain_text("96:00")
    expect(worked.first).to_contain_text("104:")
    expect(emma.get_by_test_id("change-entry").first).to_contain_text("Clocked in or out")
    no_codes(page)
    both_sizes(page, "payroll-changes")

    # --- the same pages in Chinese -----------------------------------------------------------------------
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )
    cycle_url = page.url.removesuffix("changes/")
    for name, url in (
        ("payroll-changes-zh", page.url),
        ("payroll-cycle-zh", cycle_url),
        ("payroll-summary-zh", f"{cycle_url}summary/"),
        ("payroll-anomalies-zh", f"{cycle_url}anomalies/"),
        ("payroll-cycles-zh", f"{live_server.url}/admin-center/payroll/"),
        ("payroll-templates-zh", f"{live_server.url}/admin-center/payroll/templates/"),
    ):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        no_codes(page)
        both_sizes(page, name)
    expect(page.get_by_role("heading", name="薪资周期模板")).to_be_visible()
    sign_in_as(page, live_server, "emma", "/attendance/")
    expect(page.get_by_test_id("payroll-cycle-card")).to_contain_text("本薪资周期")
    both_sizes(page, "payroll-employee-zh")
