"""In a real browser: an approver sees the bell's count when a request comes in, opens the list, marks it
read (the count goes), and turns the digest off; the page fits a phone, in English and Chinese."""

from datetime import date, time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.access import roles
from apps.attendance import services
from tests.browser.helpers import login, roles_as_migrated, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def approver_with_news(org, make_member):
    roles_as_migrated()
    shift = services.shift_create(organization=org, name="Day", start_time=time(9), end_time=time(18))
    services.policy_update(organization=org, default_shift=shift)
    alan = make_member("alan", roles.APPROVER, display_name="Alan Approver")
    emma = make_member("emma", roles.EMPLOYEE, manager=alan, display_name="Emma Employee")
    services.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    services.leave_request_create(
        member=emma,
        leave_type="annual",
        start_date=date(2026, 12, 15),
        end_date=date(2026, 12, 16),
        reason="Trip",
    )
    return alan


def test_the_bell_the_list_and_the_choices(page, mobile_page, live_server, approver_with_news):
    login(page, live_server, "alan", PASSWORD)
    expect(page.get_by_test_id("unread-count")).to_contain_text("1")
    page.get_by_test_id("notification-bell").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.get_by_test_id("notification")).to_contain_text("Emma Employee asked for leave")
    screenshot(page, "notifications-1366-en")
    page.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    page.get_by_label("Daily digest of pending requests").select_option("off")
    page.get_by_test_id("save-preferences").click()
    expect(page.locator(".messages")).to_contain_text("Your notification choices are saved.")

    login(mobile_page, live_server, "alan", PASSWORD)
    mobile_page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )
    mobile_page.goto(f"{live_server.url}/attendance/notifications/")
    expect(mobile_page.get_by_role("heading", name="通知", exact=True)).to_be_visible()
    expect(mobile_page.get_by_test_id("notification")).to_contain_text("Emma Employee 申请请假")
    overflow = mobile_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    screenshot(mobile_page, "notifications-390-zh")
