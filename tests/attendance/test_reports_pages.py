"""The Admin Center's Reports pages: the same figures as the API (the fixture of test_reports.py), filters,
the SVG chart without inline style, CSV links that work with the session, bad input in words, roles, and
Chinese."""

import re

import pytest
import time_machine
from django.test import Client

from apps.access import roles
from tests.attendance.test_reports import NOW, world  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db
LEAVE = "/admin-center/reports/"
ATTENDANCE = "/admin-center/reports/attendance/"


def page(who, path, language=None, **params):
    client = Client()
    client.force_login(who.user)
    if language:
        client.cookies["django_language"] = language
    with time_machine.travel(NOW, tick=False):
        return client, client.get(path, params)


def rows(html: str) -> list[str]:
    return re.findall(r'data-testid="report-row" data-member="([^"]+)"', html)


def test_leave_page_shows_the_figures_a_chart_and_the_export(world):  # noqa: F811
    _client, response = page(world["admin"], LEAVE, year="2026")
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == ["ada", "ada", "olga", "olga", "alan", "alan", "emma", "emma", "wang", "wang"]
    emma = re.search(r'data-member="emma">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'class="num">([^<]+)<', emma) == ["3", "1", "7"]
    assert "no limit" in html  # unpaid leave has nothing remaining to count
    # The chart: one bar per type, taken / pending / remaining as shares of the bar.
    assert html.count('data-testid="chart-bar"') == 2
    assert "Annual leave · Taken: 3" in html and "Annual leave · Remaining: 47" in html
    assert "3 taken, 1 pending, 47 remaining (days)" in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither
    assert 'href="/api/attendance/reports/leave-summary/export.csv?year=2026&amp;bom=1"' in html
    for internal in ("leaveType", "UNKNOWN_DEPARTMENT", "VALIDATION_ERROR", "half_day"):
        assert internal not in html


def test_leave_page_filters(world):  # noqa: F811
    html = page(world["admin"], LEAVE, year="2026", department="Sales")[1].content.decode()
    assert set(rows(html)) == {"alan", "emma", "wang"}
    assert '<option value="Sales" selected>' in html
    assert "department=Sales" in html  # the export asks for the same rows
    html = page(world["admin"], LEAVE, year="2026", member="wang")[1].content.decode()
    assert set(rows(html)) == {"wang"}


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        (LEAVE, {"year": "9999"}, 400, "year must be a year between 1900 and 2199."),
        (LEAVE, {"department": "Nowhere"}, 400, "No member you may see is in the department"),
        (LEAVE, {"member": "nobody"}, 404, "No such member in your scope."),
        (ATTENDANCE, {"from": "2026-03-05", "to": "2026-03-01"}, 400, "to is before from."),
        (ATTENDANCE, {"from": "2026-02-30"}, 400, "from must be a date as YYYY-MM-DD."),
    ],
)
def test_bad_input_is_said_in_words(world, path, params, status, words):  # noqa: F811
    response = page(world["admin"], path, **params)[1]
    assert response.status_code == status
    html = response.content.decode()
    assert words in html and 'data-testid="report-error"' in html
    assert 'data-testid="report-row"' not in html
    assert "INVALID_DATE_RANGE" not in html and "UNKNOWN_DEPARTMENT" not in html


def test_attendance_page_figures_and_export(world):  # noqa: F811
    client, response = page(world["admin"], ATTENDANCE, **{"from": "2026-03-02", "to": "2026-03-05"})
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == ["ada", "olga", "alan", "emma", "wang"]
    assert re.search(r'data-testid="total-hours">46.90<', html)
    assert re.search(r'data-testid="total-absences">13<', html)
    assert html.count('data-testid="department-row"') == 3 and html.count('data-testid="chart-bar"') == 3
    assert "23.08 hours worked" not in html  # notes are per department
    assert "38.9 hours worked; late 2, left early 2, absent 6, on leave 1" in html  # Sales: 2334 minutes
    assert "style=" not in html
    export = re.search(r'href="([^"]+export\.csv[^"]+)"', html).group(1).replace("&amp;", "&")
    assert (
        export == "/api/attendance/reports/attendance-summary/export.csv?from=2026-03-02&to=2026-03-05&bom=1"
    )
    with time_machine.travel(NOW, tick=False):
        csv = b"".join(client.get(export).streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("From,To,Employee no.")
    assert len(csv.splitlines()) == 6


def test_chinese(world):  # noqa: F811
    html = page(world["admin"], ATTENDANCE, language="zh-hans", **{"from": "2026-03-02", "to": "2026-03-05"})[
        1
    ].content.decode()
    assert "出勤汇总" in html and "按部门" in html and "Hours worked" not in html
    html = page(world["admin"], LEAVE, language="zh-hans", year="2026")[1].content.decode()
    assert "假期汇总" in html and "Leave by type" not in html
    _client, response = page(world["admin"], LEAVE, language="zh-hans", year="9999")
    assert "year 须是 1900 到 2199 之间的年份。" in response.content.decode()


def test_only_admins(world, make_member):  # noqa: F811
    for name in ("emma", "approver"):
        assert page(world[name], LEAVE)[1].status_code == 403
    importer = make_member("ivan", roles.IMPORTER)
    response = page(importer, ATTENDANCE)[1]
    assert response.status_code == 302 and response["Location"].endswith("/import-center/")
    with time_machine.travel(NOW, tick=False):
        assert Client().get(LEAVE).status_code == 302  # to sign in
