"""The landing pages in a real browser: the employee's Today (shift, running timer, this week's chart), the
approver's landing on the inbox with its count, Team today and who is off when, at 1366x900 and 390x844 in
English and Chinese. The server clock is Wednesday 4 March 2026, 09:45 in Shanghai, ticking."""

from datetime import time

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import expect

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import ALL_WEEKDAYS
from tests.attendance.conftest import at
from tests.browser.helpers import login, roles_as_migrated, screenshot
from tests.browser.test_every_page import OVERFLOW_SCRIPT
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NOW = at("2026-03-04 09:45")  # Sam's night shift check-out (06:04) still counts for last night
SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def people(org, make_member, day_shift, clock):
    roles_as_migrated()
    night = services.shift_create(organization=org, name="Night", start_time=time(22), end_time=time(6))
    alan = make_member("alan", roles.APPROVER, display_name="Alan Approver")
    team = {
        "emma": make_member("emma", roles.EMPLOYEE, manager=alan, display_name="Emma Employee"),
        "wang": make_member("wang", roles.EMPLOYEE, manager=alan, display_name="王磊", department="装配"),
        "li": make_member("li", roles.EMPLOYEE, manager=alan, display_name="李娜", department="装配"),
        "sam": make_member("sam", roles.EMPLOYEE, manager=alan, display_name="Sam Nightshift"),
        "lily": make_member("lily", roles.EMPLOYEE, manager=alan, display_name="Lily Long-Surname-Person"),
    }
    services.shift_assignment_create(member=team["sam"], shift=night, weekdays=ALL_WEEKDAYS)
    services.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    services.leave_accrue_year(organization=org, year=2026)
    punches = [
        ("emma", "2026-03-02 08:52", "in"),
        ("emma", "2026-03-02 18:07", "out"),
        ("emma", "2026-03-03 08:58", "in"),
        ("emma", "2026-03-03 17:30", "out"),
        ("wang", "2026-03-04 09:34", "in"),
        ("sam", "2026-03-03 21:57", "in"),
        ("sam", "2026-03-04 06:04", "out"),
    ]
    for who, moment, kind in punches:
        services.punch_create(member=team[who], kind=kind, source="admin", occurred_at=at(moment))
    for who, start, end in (("lily", "2026-03-04", "2026-03-06"), ("li", "2026-03-16", "2026-03-17")):
        request = services.leave_request_create(
            member=team[who],
            leave_type="annual",
            start_date=at(f"{start} 00:00").date(),
            end_date=at(f"{end} 00:00").date(),
        ).obj
        services.leave_request_approve(request=request, approver=alan)
    services.leave_request_create(
        member=team["emma"],
        leave_type="annual",
        start_date=at("2026-03-12 00:00").date(),
        end_date=at("2026-03-13 00:00").date(),
        reason="Family visit",
    )
    return {"alan": alan, **team}


def use_language(page, live_server, language: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def assert_fits(page) -> None:
    sticking_out = page.evaluate(OVERFLOW_SCRIPT)
    assert not sticking_out, f"{page.url}: {sticking_out}"
    # No badge or tile cut off: each one's content fits its box.
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.badge, .tile, .nav-count, .team-state, .timer-value')]
            .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.className + ': ' + el.innerText)"""
    )
    assert not clipped, f"clipped on {page.url}: {clipped}"


def test_today_timer_and_week_chart(page, mobile_page, live_server, people):
    page.set_viewport_size(SIZES["1366"])
    login(page, live_server, "emma", PASSWORD)
    assert page.url.endswith("/attendance/")  # an employee lands on their own page
    today = page.get_by_test_id("today")
    expect(today.get_by_test_id("today-shift")).to_contain_text("09:00")
    expect(today.get_by_test_id("timer")).to_have_count(0)

    today.get_by_test_id("clock-in").click()
    timer = page.get_by_test_id("timer-value")
    expect(timer).to_be_visible()
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=5_000)  # the script keeps it running
    expect(page.get_by_test_id("week-chart")).to_contain_text("This week")
    expect(page.get_by_test_id("bar-2026-03-02").locator("rect")).to_have_count(1)
    assert_fits(page)
    screenshot(page, "today-1366-en")

    use_language(page, live_server, "zh-hans")
    page.goto(f"{live_server.url}/attendance/")
    expect(page.get_by_test_id("timer")).to_contain_text("已上班")
    assert_fits(page)
    screenshot(page, "today-1366-zh")

    login(mobile_page, live_server, "emma", PASSWORD)
    expect(mobile_page.get_by_test_id("timer-value")).to_be_visible()
    assert_fits(mobile_page)
    screenshot(mobile_page, "today-390-en")
    use_language(mobile_page, live_server, "zh-hans")
    mobile_page.goto(f"{live_server.url}/attendance/")
    expect(mobile_page.get_by_test_id("week-chart")).to_contain_text("本周")
    assert_fits(mobile_page)
    screenshot(mobile_page, "today-390-zh")


def test_approver_lands_on_the_inbox_and_reads_the_team(page, mobile_page, live_server, people):
    page.set_viewport_size(SIZES["1366"])
    login(page, live_server, "alan", PASSWORD)
    assert page.url.endswith("/attendance/approvals/")
    expect(page.get_by_test_id("pending-count")).to_have_text("1 waiting")

    page.get_by_test_id("main-nav").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team today")).to_be_visible()
    expect(page.get_by_test_id("group-late")).to_contain_text("王磊")
    expect(page.get_by_test_id("group-leave")).to_contain_text("Lily Long-Surname-Person")
    expect(page.get_by_test_id("member-sam").get_by_test_id("times")).to_contain_text("06:04+1")
    assert_fits(page)
    screenshot(page, "team-today-1366-en")

    page.get_by_test_id("tab-month").click()
    expect(page.get_by_role("heading", name="Who is off when")).to_be_visible()
    expect(page.get_by_test_id("grid-emma").get_by_test_id("cell-2026-03-12")).to_have_class(
        "off-cell is-pending"
    )
    expect(page.get_by_test_id("grid-lily").get_by_test_id("cell-2026-03-05")).to_have_class(
        "off-cell is-approved"
    )
    assert_fits(page)
    screenshot(page, "team-month-1366-en")

    use_language(page, live_server, "zh-hans")
    page.goto(f"{live_server.url}/attendance/team/")
    expect(page.get_by_role("heading", name="今日团队")).to_be_visible()
    assert_fits(page)
    screenshot(page, "team-today-1366-zh")
    page.goto(f"{live_server.url}/attendance/team/month/")
    assert_fits(page)
    screenshot(page, "team-month-1366-zh")

    login(mobile_page, live_server, "alan", PASSWORD, next_url="/attendance/team/")
    expect(mobile_page.get_by_test_id("group-late")).to_be_visible()
    assert_fits(mobile_page)
    screenshot(mobile_page, "team-today-390-en")
    mobile_page.goto(f"{live_server.url}/attendance/team/month/")
    expect(mobile_page.get_by_test_id("leave-list")).to_contain_text("Emma Employee")
    assert_fits(mobile_page)
    screenshot(mobile_page, "team-month-390-en")
    use_language(mobile_page, live_server, "zh-hans")
    mobile_page.goto(f"{live_server.url}/attendance/team/")
    assert_fits(mobile_page)
    screenshot(mobile_page, "team-today-390-zh")
    mobile_page.goto(f"{live_server.url}/attendance/team/month/")
    assert_fits(mobile_page)
    screenshot(mobile_page, "team-month-390-zh")

    # Deciding the last request: the table goes, the inbox says it is done, the count disappears.
    page.goto(f"{live_server.url}/attendance/approvals/")
    # Next to the request: the balance once approved and who else is off then (Lily, 4-6 March: no).
    expect(page.get_by_test_id("balance-after")).to_contain_text("批准后剩余")
    assert_fits(page)
    screenshot(page, "team-inbox-1366-zh")
    page.get_by_test_id("leave-table").get_by_test_id("approve").click()
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    expect(page.get_by_test_id("leave-table")).to_have_count(0)
    expect(page.get_by_test_id("pending-count")).to_have_count(0)
    screenshot(page, "team-inbox-done-1366-zh")
