"""The Admin Center in a real browser: an admin finds a person, toggles a role on and off, provisions a
batch with one unknown user, filters the audit log and opens an entry, checks the chain, edits the IP
allowlist (seeing their own address), adds a holiday and a default shift, and assigns that shift to a member. Screenshots go to output/playwright/."""

import pytest
from playwright.sync_api import expect

from apps.access import roles
from tests.browser.helpers import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def people(make_member):
    return {
        "admin": make_member("ada", roles.ADMIN, display_name="Ada Admin", employee_no="A001"),
        "emma": make_member("emma", roles.EMPLOYEE, display_name="Emma Employee", employee_no="E100"),
        "li": make_member("li", roles.EMPLOYEE, display_name="李四", employee_no="E200"),
    }


def test_an_admin_works_through_the_admin_center(page, live_server, people):
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/")
    expect(page.get_by_test_id("figure-members")).to_have_text("3")
    screenshot(page, "admin-center")

    # User Access: live search, then a person's roles.
    page.get_by_test_id("section-users").click()
    page.get_by_test_id("user-q").fill("E100")
    expect(page.get_by_test_id("user-row")).to_have_count(1)
    screenshot(page, "admin-users")
    page.get_by_test_id("user-row").get_by_role("link", name="Emma Employee").click()
    toggle = page.get_by_test_id("toggle-attendance_approver")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.get_by_text("Approver role given.")).to_be_visible()
    expect(page.get_by_test_id("toggle-attendance_approver")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "admin-user-detail")
    page.get_by_test_id("toggle-attendance_approver").click()
    expect(page.get_by_test_id("toggle-attendance_approver")).to_have_attribute("aria-pressed", "false")

    # Batch provisioning with one unknown user.
    page.goto(f"{live_server.url}/admin-center/users/batch/")
    page.get_by_test_id("batch-users").fill("emma\nE200\nnobody")
    page.get_by_test_id("batch-role-attendance_importer").check()
    page.get_by_test_id("batch-submit").click()
    rows = page.get_by_test_id("batch-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-status", "changed")
    expect(rows.nth(1)).to_have_attribute("data-status", "changed")
    expect(rows.nth(2)).to_have_attribute("data-status", "not_found")
    screenshot(page, "admin-batch")

    # Audit: filter by action prefix, open an entry, check the chain.
    page.get_by_test_id("admin-tabs").get_by_role("link", name="Audit").click()
    page.get_by_test_id("filter-category").select_option("people")
    page.get_by_test_id("filter-hide-signins").check()
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(3)  # assign, unassign, batch assign
    expect(page.get_by_test_id("audit-sentence").last).to_have_text("Ada Admin gave Emma Employee a role")
    screenshot(page, "admin-audit")
    page.get_by_test_id("audit-entry-link").last.click()
    expect(page.get_by_test_id("entry-details")).to_contain_text("attendance_approver")
    screenshot(page, "admin-audit-entry")
    page.goto(f"{live_server.url}/admin-center/audit/chain/")
    page.get_by_test_id("chain-check").click()
    expect(page.locator("#chain-result [data-status=ok]")).to_be_visible()

    # Settings: the allowlist shows the visitor's own address.
    page.get_by_test_id("admin-tabs").get_by_role("link", name="Settings").click()
    expect(page.get_by_test_id("your-address")).to_contain_text("127.0.0.1")
    page.get_by_test_id("allowlist").fill("127.0.0.1\n10.0.0.0/8")
    page.get_by_test_id("allowlist-save").click()
    expect(page.get_by_text("IP allowlist saved.")).to_be_visible()
    expect(page.get_by_test_id("your-address")).to_contain_text("it is in the list")
    screenshot(page, "admin-settings")

    # A holiday.
    page.get_by_test_id("attendance-settings-link").click()
    form = page.get_by_test_id("holiday-form")
    form.locator("input[name=day]").fill("2030-10-01")
    form.locator("input[name=name]").fill("National Day")
    page.get_by_test_id("holiday-save").click()
    expect(page.get_by_test_id("holiday-row")).to_contain_text("National Day")

    # A shift, made the default.
    page.get_by_test_id("attendance-settings-tabs").get_by_role("link", name="Shifts and sites").click()
    form = page.get_by_test_id("shift-form")
    form.locator("input[name=shift-name]").fill("Day")
    form.locator("input[name=shift-start_time]").fill("09:00")
    form.locator("input[name=shift-end_time]").fill("18:00")
    form.locator("input[name=shift-break_minutes]").fill("60")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("shift-row")).to_contain_text("09:00")
    page.get_by_test_id("policy-form").locator("select[name=default_shift]").select_option(
        index=1
    )  # the only shift, after the empty choice
    page.get_by_test_id("policy-save").click()
    expect(page.get_by_test_id("shift-row")).to_contain_text("default")

    # Emma works that shift on weekends too, from a date; then the assignment ends.
    page.get_by_test_id("attendance-settings-tabs").get_by_role("link", name="Shift assignments").click()
    form = page.get_by_test_id("assignment-form")
    form.get_by_label("Member").fill("E100")
    form.get_by_label("Shift").select_option(label="Day (09:00-18:00)")
    form.get_by_label("Sat").check()
    form.get_by_label("Sun").check()
    form.get_by_label("From").fill("2030-01-07")
    form.get_by_role("button", name="Save").click()
    row = page.get_by_test_id("assignment-row")
    expect(row).to_contain_text("Emma Employee")
    expect(row).to_contain_text("Mon Tue Wed Thu Fri Sat Sun")
    screenshot(page, "admin-shift-assignments")
    row.get_by_label("Last day").fill("2030-01-31")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="End").click()
    expect(page.get_by_text("The assignment now ends on 31 Jan 2030.")).to_be_visible()
    expect(page.get_by_test_id("assignment-row")).to_contain_text("31 Jan 2030")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin-center/")
    screenshot(page, "admin-center-mobile")


# The leave-type list at 1366 px and on a phone, in English and Chinese: every column in view (the table
# does not scroll sideways on a desktop) and the forms below it or beside each other.
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_leave_type_list_has_the_width_it_needs(page, live_server, people, language):
    from apps.attendance import services

    for code, name, name_zh, unit in (
        ("annual", "Annual leave", "年假", "day"),
        ("sick", "Sick leave", "病假", "half_day"),
        ("care", "Family care leave", "家庭照顾假", "hour"),
    ):
        services.leave_type_create(
            organization=people["admin"].organization, code=code, name=name, name_zh=name_zh, unit=unit,
            yearly_allowance=10, carry_forward_cap=5,
        )  # fmt: skip
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/settings/attendance/leave-types/")
    wrap = page.get_by_test_id("leave-type-list").locator(".table-wrap")
    expect(page.get_by_test_id("leave-type-row")).to_have_count(3)
    sizes = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"the leave-type table scrolls sideways at 1366 px: {sizes}"
    screenshot(page, f"admin-leave-types-desktop-{language}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("leave-type-row")).to_have_count(3)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    screenshot(page, f"admin-leave-types-phone-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_shift_list_headers_stay_on_one_line_at_1366(page, live_server, people, language):
    from datetime import time

    from apps.attendance import services

    services.shift_create(
        organization=people["admin"].organization, name="Day", start_time=time(9), end_time=time(18),
        break_minutes=60, late_grace_minutes=10,
    )  # fmt: skip
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/settings/attendance/shifts-and-sites/")
    expect(page.get_by_test_id("shift-row")).to_have_count(1)
    heights = (
        page.get_by_test_id("shift-list")
        .locator("th")
        .evaluate_all("cells => cells.map((c) => [c.innerText, c.getBoundingClientRect().height])")
    )
    tall = [text for text, height in heights if height > 40]
    assert tall == [], f"headers wrapped: {heights}"
    assert "{#" not in page.locator("main").inner_text()
    screenshot(page, f"admin-shifts-desktop-{language}")
