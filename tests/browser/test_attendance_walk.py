"""The attendance pages as people use them: an employee clocks in, asks for a missed check-out, their
approver approves it from the inbox, the employee sees the adjusted day; then leave, approved in bulk, and
the balance drops. The server clock is held at Wednesday 4 March 2026 (time-machine, ticking), so the
walk sees the same days every run."""

import pytest
import time_machine
from playwright.sync_api import expect

from apps.access import roles
from apps.attendance import services
from tests.attendance.conftest import at
from tests.browser.helpers import login, roles_as_migrated, screenshot, sign_in_as
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NOW = at("2026-03-04 08:56")  # a Wednesday, just before the day shift starts


@pytest.fixture
def people(org, make_member, day_shift):
    roles_as_migrated()
    alan = make_member("alan", roles.APPROVER, display_name="Alan Approver")
    emma = make_member("emma", roles.EMPLOYEE, manager=alan, display_name="Emma Employee")
    services.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    services.leave_accrue_year(organization=org, year=2026)
    # Monday was a full day; on Tuesday Emma clocked in and forgot to clock out.
    for moment, kind in (("2026-03-02 08:52", "in"), ("2026-03-02 18:07", "out"), ("2026-03-03 08:58", "in")):
        services.punch_create(member=emma, kind=kind, source="admin", occurred_at=at(moment))
    return {"alan": alan, "emma": emma}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def day(page, iso: str):
    return page.get_by_test_id(f"day-{iso}")


def test_clock_in_adjustment_approval_and_leave(page, mobile_page, live_server, people, clock):
    # --- the employee clocks in; the day updates in place, no page load ---------------------------------
    sign_in_as(page, live_server, "emma", "/attendance/")
    expect(page.get_by_role("heading", name="My attendance")).to_be_visible()
    expect(day(page, "2026-03-02")).to_contain_text("Normal")
    expect(day(page, "2026-03-03")).to_contain_text("Missing punch")
    page.evaluate("window.sameDocument = true")

    page.get_by_test_id("clock-in").click()

    expect(page.get_by_test_id("punch-feedback")).to_contain_text("Clocked in at 08:5")
    expect(page.get_by_test_id("today-status")).to_contain_text("At work")
    expect(day(page, "2026-03-04")).to_contain_text("At work")
    expect(day(page, "2026-03-04").get_by_test_id("day-times")).to_contain_text("08:5")
    expect(page.get_by_test_id("clock-out")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    screenshot(page, "attendance-home")

    # --- clocking out asks first; "Keep working" leaves the day as it was -----------------------------------
    page.get_by_test_id("clock-out").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("confirm-question")).to_have_text(
        "Clock out now? Your day ends with this punch."
    )
    screenshot(page, "attendance-confirm-clock-out")
    dialog.get_by_role("button", name="Keep working").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("today-status")).to_contain_text("At work")
    expect(page.get_by_test_id("today-punches").locator("li")).to_have_count(1)

    # --- a form error shows the service's message next to the form ----------------------------------------
    form = page.get_by_test_id("adjustment-form")
    form.get_by_label("What to fix").select_option("missed_check_out")
    form.get_by_label("Date").fill("2026-03-05")
    form.get_by_label("Check-out time").fill("18:05")
    form.get_by_label("Reason").fill("Forgot to clock out")
    form.get_by_test_id("adjustment-submit").click()
    expect(page.get_by_test_id("adjustment-form")).to_contain_text(
        "An adjustment can only be asked for a past day or today."
    )

    # --- ... and the corrected request goes to the approver -------------------------------------------------
    form = page.get_by_test_id("adjustment-form")
    form.get_by_label("Date").fill("2026-03-03")
    form.get_by_test_id("adjustment-submit").click()
    expect(page.get_by_test_id("form-notice")).to_have_text(
        "Your adjustment request was sent to your approver."
    )
    expect(page.get_by_test_id("my-requests")).to_contain_text("Missed check-out")
    expect(page.get_by_test_id("my-requests").get_by_test_id("request-status").first).to_have_text("Pending")
    screenshot(page, "attendance-request-sent")

    # --- the approver approves it from the inbox; the row disappears ------------------------------------------
    sign_in_as(page, live_server, "alan", "/attendance/approvals/")
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
    row = page.locator("[data-testid^=row-adjustment-]")
    expect(row).to_contain_text("Emma Employee")
    expect(row).to_contain_text("Forgot to clock out")
    screenshot(page, "approvals")
    row.get_by_role("textbox").fill("Thanks for telling me")
    row.get_by_test_id("approve").click()
    expect(page.get_by_test_id("inbox-feedback")).to_have_text("Approved the request of Emma Employee.")
    expect(page.locator("[data-testid^=row-adjustment-]")).to_have_count(0)

    # --- the employee sees the adjusted day --------------------------------------------------------------
    sign_in_as(page, live_server, "emma", "/attendance/")
    expect(day(page, "2026-03-03")).to_contain_text("Adjusted")
    expect(day(page, "2026-03-03").get_by_test_id("day-times")).to_have_text("08:58\u201318:05")
    expect(page.get_by_test_id("my-requests").get_by_test_id("request-status").first).to_have_text("Approved")
    annual = page.get_by_test_id("balance-annual")
    expect(annual.get_by_test_id("available")).to_have_text("10")

    # --- leave: requested, approved in bulk, the balance drops ---------------------------------------------
    form = page.get_by_test_id("leave-form")
    form.get_by_label("Leave type").select_option("annual")
    form.get_by_label("From").fill("2026-03-09")
    form.get_by_label("To").fill("2026-03-10")
    form.get_by_label("Reason").fill("Family visit")
    form.get_by_test_id("leave-submit").click()
    expect(page.get_by_test_id("leave-form").get_by_test_id("form-notice")).to_be_visible()
    expect(annual.get_by_test_id("available")).to_have_text("8")  # pending requests are set aside
    expect(page.get_by_test_id("my-requests")).to_contain_text("Annual leave")

    # --- a second request, cancelled: the page asks first, and "Keep it" keeps it ---------------------------
    form = page.get_by_test_id("leave-form")
    form.get_by_label("Leave type").select_option("annual")
    form.get_by_label("From").fill("2026-03-16")
    form.get_by_label("To").fill("2026-03-16")
    form.get_by_label("Reason").fill("Dentist")
    form.get_by_test_id("leave-submit").click()
    expect(annual.get_by_test_id("available")).to_have_text("7")
    dentist = page.get_by_test_id("my-requests").locator("tr", has_text="Dentist")
    dentist.get_by_test_id("cancel").click()
    expect(dialog.get_by_test_id("confirm-question")).to_have_text(
        "Cancel this request? Your approver will no longer see it."
    )
    dialog.get_by_role("button", name="Keep it").click()
    expect(dentist.get_by_test_id("request-status")).to_have_text("Pending")
    dentist.get_by_test_id("cancel").click()
    dialog.get_by_role("button", name="Cancel the request").click()
    expect(dentist.get_by_test_id("request-status")).to_have_text("Cancelled")
    expect(annual.get_by_test_id("available")).to_have_text("8")

    sign_in_as(page, live_server, "alan", "/attendance/approvals/")
    leave_row = page.locator("[data-testid^=row-leave-]")
    expect(leave_row).to_contain_text("Family visit")
    leave_row.get_by_role("checkbox").check()
    page.get_by_test_id("bulk-approve").click()
    expect(page.get_by_test_id("inbox-feedback")).to_have_text("Approved 1 request.")
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    screenshot(page, "approvals-done")

    sign_in_as(page, live_server, "emma", "/attendance/?month=2026-03")
    balance = page.get_by_test_id("balance-annual")
    expect(balance.get_by_test_id("available")).to_have_text("8")
    expect(balance.locator("td").nth(1)).to_have_text("0")  # nothing pending any more
    expect(day(page, "2026-03-09")).to_contain_text("On leave")
    screenshot(page, "attendance-after-leave")

    # --- the month switch swaps the calendar in place and updates the address ------------------------------
    page.evaluate("window.sameDocument = true")
    page.get_by_test_id("previous-month").click()
    expect(page.get_by_role("heading", name="February 2026")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/attendance/?month=2026-02")
    assert page.evaluate("window.sameDocument") is True

    # --- on a phone ---------------------------------------------------------------------------------------
    login(mobile_page, live_server, "emma", PASSWORD, next_url="/attendance/")
    expect(mobile_page.get_by_test_id("clock-out")).to_be_in_viewport()
    expect(day(mobile_page, "2026-03-03")).to_contain_text("Adjusted")
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "attendance-mobile")

    # --- on the phone the clock-out asks too, and "Clock out" in the dialog punches --------------------------
    mobile_page.get_by_test_id("clock-out").click()
    phone_dialog = mobile_page.get_by_test_id("confirm-dialog")
    expect(phone_dialog).to_be_in_viewport()
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "attendance-mobile-confirm-clock-out")
    phone_dialog.get_by_role("button", name="Clock out").click()
    expect(mobile_page.get_by_test_id("punch-feedback")).to_contain_text("Clocked out at")
    expect(mobile_page.get_by_test_id("today-punches").locator("li")).to_have_count(2)


def test_the_pages_in_simplified_chinese(page, live_server, people, clock):
    login(page, live_server, "emma", PASSWORD, next_url="/attendance/")
    page.get_by_test_id("language-select").select_option("zh-hans")
    expect(page.get_by_role("heading", name="我的考勤")).to_be_visible()
    expect(day(page, "2026-03-03")).to_contain_text("缺卡")
    page.get_by_test_id("clock-in").click()
    expect(page.get_by_test_id("punch-feedback")).to_contain_text("上班打卡")
    screenshot(page, "attendance-zh")
    page.get_by_test_id("clock-out").click()
    expect(page.get_by_test_id("confirm-question")).to_have_text("现在下班打卡吗？打卡后今天的工作即结束。")  # noqa: RUF001
    screenshot(page, "attendance-zh-confirm-clock-out")
    page.get_by_test_id("confirm-no").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_hidden()
    expect(page.get_by_test_id("today-punches").locator("li")).to_have_count(1)

    form = page.get_by_test_id("adjustment-form")
    form.get_by_label("更正内容", exact=True).select_option("missed_check_out")
    form.get_by_label("日期", exact=True).fill("2026-03-03")
    form.get_by_label("下班时间", exact=True).fill("18:05")
    form.get_by_label("原因", exact=True).fill("忘记打卡")
    form.get_by_test_id("adjustment-submit").click()
    expect(page.get_by_test_id("form-notice")).to_be_visible()

    page.get_by_test_id("sign-out").click()
    login(page, live_server, "alan", PASSWORD, next_url="/attendance/approvals/")
    expect(page.get_by_role("heading", name="审批")).to_be_visible()
    expect(page.locator("[data-testid^=row-adjustment-]")).to_contain_text("漏打下班卡")
    screenshot(page, "approvals-zh")


def test_approvals_are_forbidden_to_an_employee(page, live_server, people, clock):
    login(page, live_server, "emma", PASSWORD)
    response = page.goto(f"{live_server.url}/attendance/approvals/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
