"""Where each role lands after signing in, and the navigation's count of requests waiting for a decision."""

import re

import pytest

from apps.access import roles
from apps.attendance import services
from tests.attendance.conftest import at
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db


def pending_badge(page: str) -> str | None:
    match = re.search(r'data-testid="pending-count">(\d+)<', page)
    return match.group(1) if match else None


def missed_out(member, day: str = "2026-03-03"):
    return services.adjustment_request_create(
        member=member,
        kind="missed_check_out",
        work_date=at(f"{day} 00:00").date(),
        requested_out_at=at(f"{day} 18:05"),
        reason="Forgot",
    ).obj


@pytest.mark.parametrize(
    ("who", "landing"),
    [("approver", "/attendance/approvals/"), ("admin", "/attendance/approvals/"), ("emma", "/attendance/")],
)
def test_signing_in_leads_approvers_to_their_inbox_and_employees_to_their_page(client, team, who, landing):
    team[who].user.set_password("pw-for-the-test")
    team[who].user.save()
    client.get("/accounts/login/")

    signed_in = client.post(
        "/accounts/login/",
        {"username": team[who].user.username, "password": "pw-for-the-test"},
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        follow=True,
    )

    assert signed_in.redirect_chain[-1][0] == landing
    assert client.get("/", follow=True).redirect_chain[-1][0] == landing


def test_an_approver_still_has_their_own_page(signed_in, team):
    page = signed_in(team["approver"]).get("/attendance/").content.decode()

    assert "<h1>My attendance</h1>" in page
    assert 'href="/attendance/team/"' in page and 'href="/attendance/approvals/"' in page


def test_the_navigation_counts_the_requests_waiting_for_the_approver(signed_in, team):
    first = missed_out(team["emma"])
    missed_out(team["wang"])
    missed_out(team["olga"])  # not in Alan's team
    client = signed_in(team["approver"])

    assert pending_badge(client.get("/attendance/").content.decode()) == "2"
    assert pending_badge(signed_in(team["admin"]).get("/attendance/").content.decode()) == "3"
    post(client, f"/attendance/approvals/adjustment/{first.pk}/approve/", {})
    assert pending_badge(signed_in(team["approver"]).get("/attendance/").content.decode()) == "1"


def test_employees_have_no_count_and_no_team_link(signed_in, team):
    missed_out(team["emma"])

    page = signed_in(team["emma"]).get("/attendance/").content.decode()

    assert pending_badge(page) is None and "/attendance/team/" not in page


def test_no_count_when_nothing_waits(signed_in, team):
    assert pending_badge(signed_in(team["approver"]).get("/attendance/approvals/").content.decode()) is None


def test_the_count_is_one_query(team, django_assert_num_queries):
    from apps.attendance.selectors import pending_team_count

    missed_out(team["emma"])
    missed_out(team["wang"])
    assert team["approver"].can(roles.APPROVE)  # the roles are read once per request, before the count
    with django_assert_num_queries(1):
        assert pending_team_count(approver=team["approver"]) == 2
