"""/attendance/team/ (Team today) and /attendance/team/month/ (who is off when), for approvers (their
reports) and admins (everyone, with a team and department filter). The clock stands at Wednesday
4 March 2026, 10:00 in Shanghai (conftest)."""

import re
from datetime import time

import pytest
import time_machine

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import ALL_WEEKDAYS, Punch
from tests.attendance.conftest import at

pytestmark = pytest.mark.django_db

TEAM = "/attendance/team/"
MONTH = "/attendance/team/month/"


def punch(member, when: str, kind: str):
    with time_machine.travel(at(when), tick=False):
        services.punch_create(member=member, kind=kind, source=Punch.Source.WEB)


def member_with_allowance(make_member, username: str, **kwargs):
    member = make_member(username, roles.EMPLOYEE, **kwargs)
    services.leave_accrue_year(organization=member.organization, year=2026)
    return member


def leave(member, approver, start: str, end: str | None = None, *, approve: bool = True, half: str = ""):
    request = services.leave_request_create(
        member=member,
        leave_type="annual",
        start_date=at(f"{start} 00:00").date(),
        end_date=at(f"{end or start} 00:00").date(),
        half=half,
    ).obj
    if approve:
        services.leave_request_approve(request=request, approver=approver)
    return request


def group_of(page: str, username: str) -> str:
    """The board group (state) the member's row is in."""
    sections = re.findall(r'data-testid="group-(\w+)".*?</section>', page, flags=re.S)
    for state, body in zip(sections, re.split(r'data-testid="group-\w+"', page)[1:], strict=True):
        if f'data-testid="member-{username}"' in body.split("</section>")[0]:
            return state
    raise AssertionError(f"{username} is on no group of the board")


def row_of(page: str, username: str) -> str:
    match = re.search(rf'<tr data-testid="member-{username}">(.*?)</tr>', page, flags=re.S)
    assert match, f"no row for {username}"
    text = re.sub(r"<[^>]+>", " ", match.group(1)).replace("\N{EN DASH}", "-")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def board(org, team, leave_types, make_member, night_shift):
    """Alan's reports in every state at 10:00: Emma in on time, Wang late, Lily on leave, Zoe not yet in,
    Eve on an early shift that is over without a punch (absent), Sam after a night shift, Rex on a rest day."""
    boss = team["approver"]
    early = services.shift_create(organization=org, name="Early", start_time=time(5), end_time=time(9))
    members = {
        "lily": make_member("lily", roles.EMPLOYEE, manager=boss, department="Sales"),
        "zoe": make_member("zoe", roles.EMPLOYEE, manager=boss, department="Sales"),
        "eve": make_member("eve", roles.EMPLOYEE, manager=boss),
        "sam": make_member("sam", roles.EMPLOYEE, manager=boss),
        "rex": make_member("rex", roles.EMPLOYEE, manager=boss),
    }
    services.leave_accrue_year(organization=org, year=2026)  # the new members' allowance
    services.shift_assignment_create(member=members["eve"], shift=early, weekdays=ALL_WEEKDAYS)
    services.shift_assignment_create(member=members["sam"], shift=night_shift, weekdays=ALL_WEEKDAYS)
    services.shift_assignment_create(member=members["rex"], shift=early, weekdays=1)  # Mondays only
    punch(team["emma"], "2026-03-04 08:55", "in")
    punch(team["wang"], "2026-03-04 09:30", "in")
    punch(members["sam"], "2026-03-03 21:58", "in")
    punch(members["sam"], "2026-03-04 06:05", "out")
    leave(members["lily"], boss, "2026-03-04")
    return {**team, **members}


def test_the_approver_sees_each_report_in_its_state_with_times(signed_in, board):
    page = signed_in(board["approver"]).get(TEAM).content.decode()

    assert "<h1>Team today</h1>" in page
    assert {name: group_of(page, name) for name in ("emma", "wang", "lily", "zoe", "eve", "sam", "rex")} == {
        "emma": "in",
        "wang": "late",
        "lily": "leave",
        "zoe": "not_in",
        "eve": "absent",
        "sam": "in",
        "rex": "off",
    }
    assert row_of(page, "emma") == "Emma 09:00-18:00 In 08:55"
    assert row_of(page, "wang") == "Wang 09:00-18:00 In 09:30 30 minutes late"
    assert "Annual leave" in row_of(page, "lily")
    assert "Shift has begun" in row_of(page, "zoe")
    # The night shift's check-out falls on the next calendar day: marked +1 (and said in words).
    assert row_of(page, "sam") == (
        "Sam 22:00-06:00 +1 (the next day) In 21:58 · Out 06:05 +1 (the next day) Has left"
    )
    tiles = dict(
        re.findall(r'data-testid="tile-(\w+)">.*?<span class="tile-count">(\d+)</span>', page, flags=re.S)
    )
    assert tiles == {"late": "1", "not_in": "1", "absent": "1", "in": "2", "leave": "1", "off": "1"}


def test_the_board_is_in_chinese_without_codes(signed_in, board):
    page = signed_in(board["approver"], "zh-hans").get(TEAM).content.decode()

    assert "<h1>今日团队</h1>" in page
    assert "迟到 30 分钟" in row_of(page, "wang")
    text = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])
    for code in ("not_in", "late_minutes", "leave_name", "None"):
        assert code not in text


def test_before_the_shift_starts_nobody_is_overdue_or_absent(signed_in, board, frozen_now):
    frozen_now.move_to(at("2026-03-04 08:00"))
    page = signed_in(board["approver"]).get(TEAM).content.decode()

    assert group_of(page, "zoe") == "not_in"
    assert "Shift not started yet" in row_of(page, "zoe")
    assert group_of(page, "eve") == "not_in"
    assert 'data-testid="group-absent"' not in page


def test_an_admin_sees_everyone_and_filters_by_team_and_department(signed_in, board):
    client = signed_in(board["admin"])

    everyone = client.get(TEAM).content.decode()
    team_only = client.get(TEAM, {"team": board["approver"].pk}).content.decode()
    sales = client.get(TEAM, {"department": "Sales"}).content.decode()

    assert 'data-testid="member-olga"' in everyone and 'data-testid="member-emma"' in everyone
    assert 'data-testid="member-olga"' not in team_only and 'data-testid="member-emma"' in team_only
    assert re.findall(r'data-testid="member-(\w+)"', sales) == ["zoe", "lily"]  # not yet in, then on leave
    assert 'data-testid="team-filter"' in everyone


def test_an_admin_filter_naming_no_team_of_the_organization_is_a_400(
    signed_in, board, other_org, make_member
):
    outsider = make_member("otto", roles.APPROVER, organization=other_org)

    response = signed_in(board["admin"]).get(TEAM, {"team": outsider.pk})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="filter-error"' in page and 'data-testid="member-' not in page


def test_the_approver_board_has_no_filter_and_only_their_reports(signed_in, board):
    page = signed_in(board["approver"]).get(TEAM, {"team": board["admin"].pk}).content.decode()

    assert 'data-testid="team-filter"' not in page
    assert 'data-testid="member-olga"' not in page and 'data-testid="member-ada"' not in page


@pytest.mark.parametrize("url", [TEAM, MONTH])
def test_employees_get_the_403_page(signed_in, board, url):
    assert signed_in(board["emma"]).get(url).status_code == 403


@pytest.mark.parametrize("url", [TEAM, MONTH])
def test_members_of_another_organization_are_never_shown(signed_in, board, other_org, make_member, url):
    # Even a membership of another organization that names the approver as its manager.
    make_member("foreign", roles.EMPLOYEE, organization=other_org, manager=board["approver"])
    make_member("stranger", roles.EMPLOYEE, organization=other_org)

    for viewer in (board["approver"], board["admin"]):
        page = signed_in(viewer).get(url).content.decode()
        assert "Foreign" not in page and "Stranger" not in page


def test_the_board_query_count_does_not_grow_with_the_team(
    signed_in, board, make_member, django_assert_num_queries
):
    client = signed_in(board["approver"])
    client.get(TEAM)
    with django_assert_num_queries(QUERIES) as small:
        client.get(TEAM)
    for n in range(8):
        member = member_with_allowance(make_member, f"extra{n}", manager=board["approver"])
        punch(member, f"2026-03-04 09:0{n}", "in")
        leave(member, board["approver"], "2026-03-05")
    with django_assert_num_queries(QUERIES) as large:
        page = client.get(TEAM).content.decode()
    assert page.count('data-testid="member-') == 15
    assert len(small.captured_queries) == len(large.captured_queries)


# The session and the user (2; the membership, its roles and permissions come from the cache), the navigation
# (organizations, unread notifications, pending requests: 3), the board's two queries and the calendar's
# policy and assignments (its holidays are cached).
QUERIES = 9


def test_the_team_month_shows_approved_and_pending_leave_differently(signed_in, board):
    pending = leave(board["zoe"], board["approver"], "2026-03-12", "2026-03-13", approve=False)

    page = signed_in(board["approver"]).get(MONTH, {"month": "2026-03"}).content.decode()

    assert "<h1>Who is off when</h1>" in page
    zoe = re.search(r'data-testid="grid-zoe">(.*?)</tr>', page, flags=re.S).group(1)
    lily = re.search(r'data-testid="grid-lily">(.*?)</tr>', page, flags=re.S).group(1)
    assert re.search(r'off-cell is-pending" data-testid="cell-2026-03-12"', zoe)
    assert re.search(r'off-cell is-approved" data-testid="cell-2026-03-04"', lily)
    # The weekend between is a rest day, not leave.
    assert 'data-testid="cell-2026-03-07"' not in lily
    assert f'data-testid="leave-{pending.pk}"' in page and "Asked, not decided yet" in page


def test_the_team_month_switches_months_and_keeps_the_filter(signed_in, board):
    page = signed_in(board["admin"]).get(MONTH, {"month": "2026-04", "department": "Sales"}).content.decode()

    assert "April 2026" in page
    assert 'href="?month=2026-03&amp;department=Sales"' in page
    assert "Nobody in this team has leave this month." in page


def test_the_team_month_query_count_does_not_grow_with_the_team(
    signed_in, board, make_member, django_assert_num_queries
):
    client = signed_in(board["approver"])
    client.get(MONTH)
    with django_assert_num_queries(MONTH_QUERIES):
        client.get(MONTH)
    for n, day in enumerate(["09", "10", "11", "12", "13", "16"]):
        member = member_with_allowance(make_member, f"extra{n}", manager=board["approver"])
        leave(member, board["approver"], f"2026-03-{day}", approve=n % 2 == 0)
    with django_assert_num_queries(MONTH_QUERIES):
        client.get(MONTH)


# As the board: 2 + 3, then the members, their leave and the calendar's policy and assignments.
MONTH_QUERIES = 9
