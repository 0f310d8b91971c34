"""The list endpoints do a fixed number of queries, however many rows they return."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import AdjustmentRequest, LeaveLedgerEntry, LeaveRequest, LeaveType, Punch
from tests.attendance.conftest import client_for

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

ENDPOINTS = [
    ("/api/attendance/punches", {"from": "2026-03-01", "to": "2026-03-31"}),
    ("/api/attendance/adjustments", {"scope": "team"}),
    ("/api/attendance/leave-requests", {"scope": "team"}),
    ("/api/attendance/leave-balances", {}),
    ("/api/attendance/leave-ledger", {}),
]


def _add_rows(org, make_member, manager, leave_type, count: int, start: int) -> None:
    """`count` members with a punch, an adjustment request and a leave request each, and as many leave
    types and ledger entries of the viewer (created directly: this test is about reading)."""
    for n in range(start, start + count):
        member = make_member(f"member{n}", roles.EMPLOYEE, manager=manager)
        day = date(2026, 3, 2) + timedelta(days=n % 20)
        Punch.objects.create(
            organization=org,
            member=member,
            occurred_at=datetime.combine(day, time(9), tzinfo=SH),
            work_date=day,
            kind="in",
            source="api",
        )
        AdjustmentRequest.objects.create(
            organization=org,
            member=member,
            work_date=day,
            kind="missed_check_out",
            reason="x",
            requested_out_at=datetime.combine(day, time(18), tzinfo=SH),
        )
        LeaveRequest.objects.create(
            organization=org,
            member=member,
            leave_type=leave_type,
            start_date=day,
            end_date=day,
            amount=1,
            working_days=1,
        )
        # The viewer's own ledger and balances grow too: one more type and one more movement each.
        extra_type = LeaveType.objects.create(organization=org, code=f"type{n}", name=f"Type {n}")
        LeaveLedgerEntry.objects.create(
            organization=org,
            member=manager,
            leave_type=extra_type,
            kind="adjustment",
            amount=1,
            effective_date=day,
        )


@pytest.mark.parametrize(("path", "query"), ENDPOINTS)
def test_list_query_count_does_not_grow_with_rows(org, make_member, team, path, query):
    leave_type = services.leave_type_create(
        organization=org, code="annual", name="Annual", yearly_allowance=10
    )
    services.leave_type_create(
        organization=org, code="sick", name="Sick", unit=LeaveType.Unit.HALF_DAY, yearly_allowance=5
    )
    services.leave_accrue_year(organization=org, year=2026)
    client = client_for(team["admin"])
    _add_rows(org, make_member, team["admin"], leave_type, 2, 0)
    assert client.get(path, query).status_code == 200  # warms the caller's cached membership
    with CaptureQueriesContext(connection) as few:
        assert client.get(path, query).status_code == 200
    _add_rows(org, make_member, team["admin"], leave_type, 12, 2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path, query)
    body = response.json()
    assert len(body if isinstance(body, list) else body["results"]) >= 14
    assert len(many.captured_queries) == len(few.captured_queries) <= 8
