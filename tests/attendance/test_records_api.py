"""GET /api/attendance/records: who sees whom, the period summary, pagination, a pinned query count."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.access import roles
from tests.attendance.conftest import at, client_for, post_punch

pytestmark = pytest.mark.django_db


def _month_of_records(*usernames: str) -> None:
    args = ["attendance_recompute", "--org", "acme", "--from", "2026-03-01", "--to", "2026-03-31"]
    for username in usernames:
        args += ["--member", username]
    call_command(*args, stdout=StringIO())


def _members(response) -> set[str]:
    return {r["member"]["username"] for r in response.json()["results"]}


def test_employee_sees_only_their_own_records(team):
    _month_of_records("emma", "wang", "olga")
    response = client_for(team["emma"]).get(
        "/api/attendance/records", {"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200
    assert _members(response) == {"emma"}
    assert response.json()["count"] == 31


def test_approver_sees_their_team_and_themselves_but_not_others(team):
    _month_of_records("emma", "wang", "olga", "alan")
    client = client_for(team["approver"])
    response = client.get("/api/attendance/records", {"from": "2026-03-02", "to": "2026-03-02"})
    assert _members(response) == {"alan", "emma", "wang"}
    by_number = client.get(
        "/api/attendance/records",
        {"from": "2026-03-02", "to": "2026-03-02", "member": team["wang"].employee_no},
    )
    assert _members(by_number) == {"wang"}


def test_admin_sees_everyone_in_the_organization(team):
    _month_of_records("emma", "wang", "olga")
    response = client_for(team["admin"]).get(
        "/api/attendance/records", {"from": "2026-03-02", "to": "2026-03-02"}
    )
    assert _members(response) == {"emma", "wang", "olga"}


@pytest.mark.parametrize(
    ("viewer", "target"),
    [
        ("emma", "wang"),
        ("emma", "alan"),
        ("approver", "olga"),
        ("approver", "ada"),
        ("admin", "stranger"),
        ("emma", "ghost"),
    ],
)
def test_asking_for_someone_outside_your_scope_is_404_and_shows_nothing(
    team, make_member, other_org, viewer, target
):
    make_member("stranger", roles.EMPLOYEE, organization=other_org)
    _month_of_records("emma", "wang", "olga", "alan", "ada")
    response = client_for(team[viewer]).get(
        "/api/attendance/records", {"from": "2026-03-01", "to": "2026-03-31", "member": target}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert "results" not in response.json()


def test_summary_covers_the_whole_period_not_just_the_page(team):
    client = client_for(team["emma"])
    post_punch(client, at("2026-03-02 09:00"), "in")
    post_punch(client, at("2026-03-02 18:00"), "out")
    post_punch(client, at("2026-03-03 09:25"), "in")
    post_punch(client, at("2026-03-03 18:00"), "out")
    post_punch(client, at("2026-03-04 09:00"), "in")
    _month_of_records("emma")
    response = client.get(
        "/api/attendance/records", {"from": "2026-03-01", "to": "2026-03-31", "pageSize": 5}
    )
    body = response.json()
    assert body["count"] == 31 and len(body["results"]) == 5 and body["next"]
    summary = body["summary"]
    assert summary["start"] == "2026-03-01" and summary["end"] == "2026-03-31"
    assert summary["days"] == 31
    assert summary["byStatus"]["normal"] == 1
    assert summary["byStatus"]["late"] == 1
    assert summary["byStatus"]["partial"] == 1
    assert summary["byStatus"]["off"] == 9  # four weekends and a Sunday
    assert summary["byStatus"]["absent"] == 19
    assert summary["workedMinutes"] == 480 + 455
    assert summary["workedHours"] == pytest.approx(15.58)
    assert summary["lateMinutes"] == 25


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-13-01"}, "VALIDATION_ERROR"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "INVALID_DATE_RANGE"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "INVALID_DATE_RANGE"),
    ],
)
def test_bad_ranges_are_400(team, query, code):
    response = client_for(team["emma"]).get("/api/attendance/records", query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_query_count_does_not_grow_with_rows(team, make_member, django_assert_max_num_queries):
    client = client_for(team["admin"])
    _month_of_records("emma")
    with django_assert_max_num_queries(12) as few:
        assert (
            client.get("/api/attendance/records", {"from": "2026-03-01", "to": "2026-03-31"}).json()["count"]
            == 31
        )
    for n in range(8):
        make_member(f"extra{n}", roles.EMPLOYEE)
    _month_of_records()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(
            "/api/attendance/records", {"from": "2026-03-01", "to": "2026-03-31", "pageSize": 200}
        ).json()
    assert body["count"] == 31 * 13 and len(body["results"]) == 200


def test_default_period_is_this_month_up_to_today(team):
    today = timezone.localdate(timezone.now(), team["emma"].organization.tzinfo)
    response = client_for(team["emma"]).get("/api/attendance/records")
    assert response.status_code == 200
    summary = response.json()["summary"]
    assert date.fromisoformat(summary["start"]).day == 1
    assert abs(date.fromisoformat(summary["end"]) - today) <= timedelta(days=1)
