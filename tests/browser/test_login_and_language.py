"""Signing in through the page, switching the language, signing out: the way a person does it."""

import pytest
from playwright.sync_api import expect

from apps.access import roles
from tests.browser.helpers import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def approver(make_member):
    return make_member("alan", roles.APPROVER, display_name="Alan Approver")


def test_sign_in_switch_to_chinese_and_sign_out(page, live_server, approver):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")

    login(page, live_server, "alan", PASSWORD)
    expect(page.get_by_test_id("current-user")).to_contain_text("Alan Approver")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("main-nav")).to_contain_text("My attendance")
    screenshot(page, "home-en")

    page.get_by_test_id("language-select").select_option(label="简体中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    expect(page.get_by_test_id("main-nav")).to_contain_text("我的考勤")
    expect(page.get_by_test_id("main-nav")).to_contain_text("审批")
    expect(page.get_by_test_id("current-user")).to_contain_text("Alan Approver")
    screenshot(page, "home-zh")

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    assert page.url == f"{live_server.url}/accounts/login/"


def test_a_wrong_password_shows_the_error_on_the_page(page, live_server, approver):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("alan")
    page.get_by_label("Password").fill("not-it")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("did not match")
    expect(page.get_by_label("User name")).to_have_value("alan")
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def test_the_login_page_fits_a_phone(mobile_page, live_server):
    mobile_page.goto(f"{live_server.url}/accounts/login/")

    button = mobile_page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # nothing wider than the screen: no sideways scrolling
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "login-mobile")


def test_after_too_many_failures_the_page_explains_the_lockout(page, live_server, approver, settings):
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):  # the last failure is the one that locks
        page.get_by_label("User name").fill("alan")
        page.get_by_label("Password").fill("wrong")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Too many failed sign-in attempts")).to_be_visible()
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    screenshot(page, "locked-out")
