"""The Reports pages in a real browser: an admin opens the leave summary from the Admin Center tabs, narrows
it to a department, moves to the attendance summary of a period, in English and Chinese, wide and on a phone.
Screenshots: output/playwright/reports-*.png (1366x900 and 390x844)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import DailyRecord, LeaveLedgerEntry, LeaveRequest, RequestStatus
from tests.browser.helpers import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
WIDE = {"width": 1366, "height": 900}
PEOPLE = [  # username, name, department, (late minutes, early minutes, absent) pattern seed
    ("ada", "Ada Admin", "HR"),
    ("li", "Li Na", "Sales"),
    ("wang", "Wang Wei", "Sales"),
    ("zhao", "Zhao Min", "Sales"),
    ("chen", "Chen Jie", "Support"),
    ("sun", "Sun Yu", "Support"),
]
FROM, TO = date(2026, 3, 2), date(2026, 3, 13)


@pytest.fixture
def organization_with_a_fortnight(make_member):
    members = {
        username: make_member(username, roles.ADMIN if username == "ada" else roles.EMPLOYEE,
                              display_name=name, department=department)
        for username, name, department in PEOPLE
    }  # fmt: skip
    organization = members["ada"].organization
    annual = services.leave_type_create(
        organization=organization, code="annual", name="Annual leave", yearly_allowance=10
    )
    sick = services.leave_type_create(
        organization=organization, code="sick", name="Sick leave", yearly_allowance=5
    )
    records = []
    for n, member in enumerate(members.values()):
        day = FROM
        while day <= TO:
            if day.weekday() < 5:
                k = (n + day.day) % 7
                status = ["normal", "normal", "late", "normal", "early_leave", "absent", "leave"][k]
                records.append(
                    DailyRecord(
                        organization=organization, member=member, work_date=day, status=status,
                        worked_minutes=0 if status in ("absent", "leave") else 480 - 15 * (k == 4),
                        late_minutes=12 + n if status == "late" else 0,
                        early_leave_minutes=25 if status == "early_leave" else 0,
                    )
                )  # fmt: skip
            day += timedelta(days=1)
        for m, (leave_type, amount, state) in enumerate(
            [(annual, Decimal(2 + n % 3), RequestStatus.APPROVED), (sick, Decimal(1), RequestStatus.PENDING)]
        ):
            start = date(2026, 4, 6 + 7 * m + n % 3)
            request = LeaveRequest.objects.create(
                organization=organization, member=member, leave_type=leave_type, start_date=start,
                end_date=start, amount=amount, working_days=int(amount), status=state,
            )  # fmt: skip
            if state == RequestStatus.APPROVED:
                LeaveLedgerEntry.objects.create(
                    organization=organization, member=member, leave_type=leave_type, kind="usage",
                    amount=-amount, effective_date=start, leave_request=request,
                )  # fmt: skip
    DailyRecord.objects.bulk_create(records)
    return members


def chinese(page, live_server):
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )


def test_an_admin_reads_the_reports(page, mobile_page, live_server, organization_with_a_fortnight):
    page.set_viewport_size(WIDE)
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/")
    page.get_by_test_id("admin-tabs").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Leave in 2026")).to_be_visible()
    expect(page.get_by_test_id("report-row")).to_have_count(12)  # 6 people x 2 types
    expect(page.get_by_test_id("chart-bar")).to_have_count(2)
    screenshot(page, "reports-leave")

    page.get_by_test_id("filter-department").select_option("Sales")
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("report-row")).to_have_count(6)
    assert "department=Sales" in page.get_by_test_id("report-export").get_attribute("href")

    page.get_by_test_id("reports-tabs").get_by_role("link", name="Attendance summary").click()
    page.get_by_test_id("filter-from").fill(FROM.isoformat())
    page.get_by_test_id("filter-to").fill(TO.isoformat())
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("department-row")).to_have_count(3)
    expect(page.get_by_test_id("report-row")).to_have_count(6)
    expect(page.get_by_test_id("chart-bar")).to_have_count(3)
    screenshot(page, "reports-attendance")

    chinese(page, live_server)
    page.reload()
    expect(page.get_by_role("heading", name="按部门")).to_be_visible()
    screenshot(page, "reports-attendance-zh")
    page.get_by_test_id("reports-tabs").get_by_role("link", name="假期汇总").click()
    expect(page.get_by_role("heading", name="2026 年假期")).to_be_visible()
    screenshot(page, "reports-leave-zh")

    period = f"?from={FROM.isoformat()}&to={TO.isoformat()}"
    login(mobile_page, live_server, "ada", PASSWORD, next_url=f"/admin-center/reports/attendance/{period}")
    expect(mobile_page.get_by_test_id("report-chart")).to_be_visible()
    screenshot(mobile_page, "reports-attendance-mobile")
    mobile_page.goto(f"{live_server.url}/admin-center/reports/")
    expect(mobile_page.get_by_test_id("report-chart")).to_be_visible()
    screenshot(mobile_page, "reports-leave-mobile")
    chinese(mobile_page, live_server)
    mobile_page.reload()
    screenshot(mobile_page, "reports-leave-mobile-zh")
    mobile_page.goto(f"{live_server.url}/admin-center/reports/attendance/{period}")
    expect(mobile_page.get_by_role("heading", name="按人员")).to_be_visible()
    screenshot(mobile_page, "reports-attendance-mobile-zh")
    # Nothing on a phone scrolls the page sideways (tables scroll inside their own box).
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
