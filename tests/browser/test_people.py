"""People in the Admin Center in a real browser, at 1366x900 and on a 390x844 phone, in English and
Chinese: add a person, edit their DingTalk UserId and manager, see their month. Screenshots:
output/playwright/h1-*.png."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from apps.access import roles
from apps.attendance.models import DailyRecord
from tests.browser.helpers import login, screenshot
from tests.factories import PASSWORD, LeaveTypeFactory

pytestmark = pytest.mark.browser
WIDE = {"width": 1366, "height": 900}


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 0, f"{page.url} overflows by {width}px"


@pytest.fixture
def people(make_member, org):
    admin = make_member("ada", roles.ADMIN, display_name="Ada Admin", employee_no="A001")
    emma = make_member("emma", roles.EMPLOYEE, display_name="Emma Employee", employee_no="E100")
    day = timezone.localdate(timezone.now(), org.tzinfo) - timedelta(days=3)
    start = datetime(day.year, day.month, day.day, 1, 12, tzinfo=UTC)
    DailyRecord.objects.create(
        organization=org,
        member=emma,
        work_date=day,
        first_in_at=start,
        last_out_at=start + timedelta(hours=9),
        worked_minutes=480,
        late_minutes=12,
        status=DailyRecord.Status.LATE,
    )
    LeaveTypeFactory(organization=org, code="annual", name="Annual leave")
    return {"admin": admin, "emma": emma, "month": f"{day:%Y-%m}"}


def test_an_admin_adds_and_edits_a_person(page, live_server, people):
    page.set_viewport_size(WIDE)
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/users/")
    page.get_by_test_id("add-person").click()
    page.get_by_test_id("field-username").fill("wang.lei")
    page.get_by_test_id("field-email").fill("wang.lei@acme.example")
    page.get_by_test_id("field-name").fill("Wang Lei")
    page.get_by_test_id("field-dingtalk_user_id").fill("dt-0500")
    page.get_by_test_id("field-department").fill("Assembly")
    page.get_by_test_id("field-manager").select_option(label="Ada Admin · A001")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-person-new")
    page.get_by_test_id("person-submit").click()
    expect(page.get_by_text("Wang Lei was added and invited by e-mail.")).to_be_visible()
    expect(page.get_by_test_id("field-dingtalk_user_id")).to_have_value("dt-0500")

    page.goto(f"{live_server.url}/admin-center/users/{people['emma'].user_id}/")
    page.get_by_test_id("field-dingtalk_user_id").fill("dt-emma")
    page.get_by_test_id("field-manager").select_option(label="Ada Admin · A001")
    page.get_by_test_id("person-save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.goto(f"{live_server.url}/admin-center/users/{people['emma'].user_id}/?month={people['month']}")
    expect(page.get_by_test_id("person-month").get_by_test_id("day-status").first).to_be_visible()
    expect(page.get_by_test_id("person-balances")).to_contain_text("Annual leave")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-person-detail")

    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )
    page.reload()
    expect(page.get_by_text("钉钉 UserId")).to_be_visible()
    _no_horizontal_overflow(page)
    screenshot(page, "h1-person-detail-zh")


def test_the_person_pages_fit_a_phone(mobile_page, live_server, people):
    page = mobile_page
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/users/")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-users-phone")
    page.goto(f"{live_server.url}/admin-center/users/{people['emma'].user_id}/?month={people['month']}")
    expect(page.get_by_test_id("person-month").get_by_test_id("day-status").first).to_be_visible()
    _no_horizontal_overflow(page)
    screenshot(page, "h1-person-detail-phone")
    page.goto(f"{live_server.url}/admin-center/users/new/")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-person-new-phone")
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/admin-center/users/{people['emma'].user_id}/")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-person-detail-phone-zh")


def test_the_owner_of_an_existing_account_accepts_an_invitation(page, live_server, make_member, other_org):
    from apps.access.provisioning import member_provision
    from apps.access.provisioning.consent import consent_link

    make_member("alice", roles.EMPLOYEE, display_name="Alice")
    globex_admin = make_member("gadmin", roles.ADMIN, organization=other_org)
    pending = member_provision(
        organization=other_org, actor=globex_admin, username="alice", email="a@globex.example"
    ).membership
    path = consent_link(pending).split("://", 1)[1].split("/", 1)[1]
    page.set_viewport_size(WIDE)
    login(page, live_server, "alice", PASSWORD, next_url=f"/{path}")
    expect(page.get_by_test_id("invitation")).to_contain_text("Globex")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-invitation")
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )
    page.reload()
    expect(page.get_by_test_id("accept")).to_have_text("接受")
    _no_horizontal_overflow(page)
    screenshot(page, "h1-invitation-phone-zh")
    page.get_by_test_id("accept").click()
    expect(page.get_by_text("你现在是 Globex 的成员。")).to_be_visible()
