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


def test_sign_in_through_the_form_shows_the_name_in_the_header(page, live_server, approver):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")

    login(page, live_server, "alan", PASSWORD)

    expect(page.get_by_test_id("current-user")).to_contain_text("Alan Approver")
    screenshot(page, "home-en")
