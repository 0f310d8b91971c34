"""The approver inbox shows what a decision needs next to each request: the balance after approval, the
teammates already off on those days, the day's punches next to a correction, "+1" on next-day times."""

import re

import pytest
import time_machine

from apps.access import roles
from apps.attendance import services
from tests.attendance.conftest import at

pytestmark = pytest.mark.django_db

INBOX = "/attendance/approvals/"


def leave(member, start: str, end: str, *, approve_by=None):
    request = services.leave_request_create(
        member=member,
        leave_type="annual",
        start_date=at(f"{start} 00:00").date(),
        end_date=at(f"{end} 00:00").date(),
    ).obj
    if approve_by is not None:
        services.leave_request_approve(request=request, approver=approve_by)
    return request


def cell(page: str, testid: str, row: str) -> str:
    body = re.search(rf'data-testid="{row}">(.*?)</tr>', page, flags=re.S).group(1)
    match = re.search(rf'data-testid="{testid}">(.*?)</div>', body, flags=re.S)
    assert match, f"no {testid} in {row}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).replace("\N{EN DASH}", "-").strip()


def test_leave_shows_the_balance_after_approval_and_who_else_is_off(signed_in, team, leave_types):
    boss = team["approver"]
    leave(team["wang"], "2026-03-10", "2026-03-11", approve_by=boss)  # Wang, same manager, overlapping
    leave(team["olga"], "2026-03-10", "2026-03-10", approve_by=team["admin"])  # not in the team
    asked = leave(team["emma"], "2026-03-09", "2026-03-10")

    page = signed_in(boss).get(INBOX).content.decode()

    row = f"row-leave-{asked.pk}"
    assert cell(page, "balance-after", row) == "Left after approval: 8 days (now 10)"
    assert cell(page, "overlap", row) == "⚠ Also off then: Wang (10 Mar 2026 - 11 Mar 2026)"


def test_no_overlap_warning_when_nobody_else_is_off(signed_in, team, leave_types):
    asked = leave(team["emma"], "2026-03-09", "2026-03-10")

    page = signed_in(team["approver"]).get(INBOX).content.decode()

    assert 'data-testid="overlap"' not in page.split(f'row-leave-{asked.pk}"')[1].split("</tr>")[0]


def test_a_correction_shows_the_days_punches_and_next_day_times(signed_in, team, night_shift):
    emma = team["emma"]
    services.shift_assignment_create(member=emma, shift=night_shift, weekdays=127)
    with time_machine.travel(at("2026-03-02 21:58"), tick=False):
        services.punch_create(member=emma, kind="in", source="web")
    request = services.adjustment_request_create(
        member=emma,
        kind="missed_check_out",
        work_date=at("2026-03-02 00:00").date(),
        requested_out_at=at("2026-03-03 06:05"),
        reason="Left in a hurry",
    ).obj

    page = signed_in(team["approver"]).get(INBOX).content.decode()

    row = f"row-adjustment-{request.pk}"
    assert cell(page, "day-punches", row) == "Punches that day: In 21:58"
    body = re.search(rf'data-testid="{row}">(.*?)</tr>', page, flags=re.S).group(1)
    assert re.search(r"Out 06:05<sup class=\"next-day\"[^>]*>\+1</sup>", body)


def test_the_context_in_chinese(signed_in, team, leave_types):
    leave(team["wang"], "2026-03-10", "2026-03-10", approve_by=team["approver"])
    asked = leave(team["emma"], "2026-03-09", "2026-03-10")

    page = signed_in(team["approver"], "zh-hans").get(INBOX).content.decode()

    assert "批准后剩余：8 天（当前 10）" in cell(page, "balance-after", f"row-leave-{asked.pk}")  # noqa: RUF001
    assert "同期休假：" in cell(page, "overlap", f"row-leave-{asked.pk}")  # noqa: RUF001


def test_the_inbox_query_count_stays_fixed_with_context(
    signed_in, team, leave_types, make_member, django_assert_num_queries
):
    client = signed_in(team["approver"])
    leave(team["wang"], "2026-03-10", "2026-03-10", approve_by=team["approver"])
    leave(team["emma"], "2026-03-09", "2026-03-10")
    services.adjustment_request_create(
        member=team["wang"],
        kind="missed_check_out",
        work_date=at("2026-03-03 00:00").date(),
        requested_out_at=at("2026-03-03 18:05"),
        reason="Forgot",
    )
    client.get(INBOX)
    with django_assert_num_queries(QUERIES) as few:
        client.get(INBOX)
    for n in range(4):
        member = make_member(f"m{n}", roles.EMPLOYEE, manager=team["approver"])
        services.leave_accrue_year(organization=member.organization, year=2026)
        leave(member, "2026-03-16", "2026-03-17")
        services.adjustment_request_create(
            member=member,
            kind="missed_check_out",
            work_date=at("2026-03-03 00:00").date(),
            requested_out_at=at("2026-03-03 18:05"),
            reason="Forgot",
        )
    with django_assert_num_queries(QUERIES) as many:
        client.get(INBOX)
    assert len(few.captured_queries) == len(many.captured_queries)


# The inbox's 8 (the caller's membership, roles and permissions come from the cache) and the context: the
# balances, the teammates' leave, the days' punches.
QUERIES = 11
