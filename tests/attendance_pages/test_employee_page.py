"""/attendance/: who may open it, what it shows, the month switch, and its query count."""

import pytest
import time_machine

from apps.attendance import services
from tests.attendance.conftest import at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "/attendance/"


def punch_at(member, when: str, kind: str):
    with time_machine.travel(at(when), tick=False):
        services.punch_create(member=member, kind=kind, source="web")


@pytest.mark.parametrize("who", ["emma", "approver", "admin"])
def test_every_role_with_read_sees_their_own_month(signed_in, team, who):
    response = signed_in(team[who]).get(HOME)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>My attendance</h1>" in page
    assert "March 2026" in page
    assert 'data-testid="day-2026-03-04"' in page and 'aria-current="date"' in page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/attendance/"


def test_a_user_without_a_membership_gets_the_403_page(client, db):
    client.force_login(UserFactory(username="nobody"))

    response = client.get(HOME)

    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_a_membership_without_roles_gets_the_403_page(client, make_member):
    member = make_member("norole")
    member.roles.clear()
    client.force_login(member.user)

    assert client.get(HOME).status_code == 403


def test_the_month_shows_each_record_with_its_status_and_times(signed_in, team):
    emma = team["emma"]
    punch_at(emma, "2026-03-02 08:55", "in")
    punch_at(emma, "2026-03-02 18:05", "out")
    punch_at(emma, "2026-03-03 09:25", "in")

    page = signed_in(emma).get(HOME).content.decode()

    monday = page.split('data-testid="day-2026-03-02"')[1].split("</li>")[0]
    assert "status-normal" in monday and "Normal" in monday and "08:55\u201318:05" in monday
    tuesday = page.split('data-testid="day-2026-03-03"')[1].split("</li>")[0]
    assert "Missing punch" in tuesday and "09:25" in tuesday
    assert "Rest day" in page.split('class="legend"')[1]  # the legend names every status


def test_the_month_switch_answers_htmx_with_the_month_section_only(signed_in, team):
    client = signed_in(team["emma"])

    response = client.get(HOME, {"month": "2026-02"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="month")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="month"')
    assert "February 2026" in page and "<html" not in page
    assert "?month=2026-01" in page and "?month=2026-03" in page
    assert "HX-Request" in response["Vary"]


def test_the_month_link_without_javascript_renders_the_whole_page(signed_in, team):
    page = signed_in(team["emma"]).get(HOME, {"month": "2026-02"}).content.decode()

    assert "<html" in page and "February 2026" in page


@pytest.mark.parametrize("bad", ["2026-13", "abc", "1850-01", "2026-02-01"])
def test_a_month_that_is_not_one_shows_this_month(signed_in, team, bad):
    page = signed_in(team["emma"]).get(HOME, {"month": bad}).content.decode()

    assert "March 2026" in page


def test_a_history_restore_gets_the_whole_page(signed_in, team):
    response = signed_in(team["emma"]).get(
        HOME, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true", HTTP_HX_TARGET="month"
    )

    assert "<html" in response.content.decode()


def test_the_page_lists_my_balances_and_requests_only(signed_in, team, leave_types):
    services.adjustment_request_create(
        member=team["emma"],
        kind="missed_check_out",
        work_date=at("2026-03-03 00:00").date(),
        requested_out_at=at("2026-03-03 18:00"),
        reason="Forgot",
    )
    services.adjustment_request_create(
        member=team["wang"],
        kind="missed_check_in",
        work_date=at("2026-03-03 00:00").date(),
        requested_in_at=at("2026-03-03 09:00"),
        reason="Wang's",
    )

    page = signed_in(team["emma"]).get(HOME).content.decode()

    assert "Missed check-out" in page and "Forgot" in page
    assert "Wang&#x27;s" not in page and "Wang's" not in page
    balance = page.split('data-testid="balance-annual"')[1].split("</tr>")[0]
    assert ">10<" in balance


def test_the_page_query_count_does_not_grow_with_the_data(
    signed_in, team, leave_types, django_assert_max_num_queries
):
    emma = team["emma"]
    for day in range(2, 4):
        punch_at(emma, f"2026-03-0{day} 09:00", "in")
        punch_at(emma, f"2026-03-0{day} 18:00", "out")
    for n in range(3):
        services.leave_request_create(
            member=emma,
            leave_type="annual",
            start_date=at(f"2026-04-0{n + 1} 00:00").date(),
            end_date=at(f"2026-04-0{n + 1} 00:00").date(),
        )
    client = signed_in(emma)

    # 22: the month and today each ask the calendar whether their days are over (3 queries each), the
    # header's notification bell its unread count, the calendar-feed card its feeds, and payroll's
    # pay-period card the cycle holding today (none here).
    with django_assert_max_num_queries(22):
        assert client.get(HOME).status_code == 200
    # 11: the month's calendar (3 queries: which days are over, which are working days) and its leave.
    with django_assert_max_num_queries(11):
        assert client.get(HOME, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="month").status_code == 200


def test_the_page_reads_in_simplified_chinese(signed_in, team):
    page = signed_in(team["emma"], language="zh-hans").get(HOME).content.decode()

    assert '<html lang="zh-hans">' in page
    assert "我的考勤" in page
    assert "上班打卡" in page  # Clock in
    assert "补卡与更正" in page and "漏打上班卡" in page  # the adjustment form and its kinds


def _day(page: str, day: str) -> str:
    return page.split(f'data-testid="day-{day}"')[1].split("</li>")[0]


def test_the_month_never_judges_a_day_before_it_is_over_and_draws_leave(signed_in, team, leave_types):
    emma = team["emma"]
    punch_at(emma, "2026-03-04 05:00", "in")
    punch_at(emma, "2026-03-04 05:52", "out")  # today, 10:00: the shift runs until 18:00
    approved = services.leave_request_create(
        member=emma, leave_type="sick-half", start_date=at("2026-03-10 00:00").date(),
        end_date=at("2026-03-10 00:00").date(), half="am",
    )  # fmt: skip
    services.leave_request_approve(request=approved.obj, approver=team["approver"])
    services.leave_request_create(
        member=emma, leave_type="annual", start_date=at("2026-03-12 00:00").date(),
        end_date=at("2026-03-16 00:00").date(),
    )  # fmt: skip

    for language, words in [
        ("en", ("In progress", "Upcoming", "Leave asked")),
        ("zh-hans", ("进行中", "未开始", "已申请休假")),
    ]:
        page = signed_in(emma, language=language).get(HOME).content.decode()
        today, half_day = _day(page, "2026-03-04"), _day(page, "2026-03-10")
        assert "status-in_progress" in today and words[0] in today and "05:00\u201305:52" in today
        assert "status-upcoming" in half_day and words[1] in half_day and "status-absent" not in half_day
        assert 'data-testid="day-leave"' in half_day and "is-pending" not in half_day
        pending = _day(page, "2026-03-12")
        assert "is-pending" in pending and words[2] in pending
        assert "day-leave" not in _day(page, "2026-03-14")  # a Saturday: leave takes working days only
        summary = page.split('data-testid="month-summary"')[1].split("</dl>")[0]
        assert "status-absent" not in summary and "status-early_leave" not in summary
