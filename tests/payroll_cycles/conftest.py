"""Payroll fixtures: the attendance team (an approver with two reports, an outsider, an admin, the day shift
as default) and helpers to call the payroll API."""

from datetime import date, datetime, time

import pytest

from apps.attendance.models import DailyRecord
from tests.attendance.conftest import SHANGHAI, at, client_for, day_shift, team  # noqa: F401 (fixtures)

CYCLES = "/api/attendance/payroll-cycles"
TEMPLATES = "/api/attendance/payroll-templates"


def admin_api(team):  # noqa: F811
    return client_for(team["admin"])


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def march(team):  # noqa: F811
    """An open cycle 2026-03-01..2026-03-31, made through the API."""
    response = admin_api(team).post(
        CYCLES, {"name": "March", "startDate": "2026-03-01", "endDate": "2026-03-31"}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def record(
    member,
    day: str,
    status: str = "normal",
    *,
    start: str = "09:00",
    end: str = "18:00",
    worked=None,
    late: int = 0,
    early: int = 0,
):
    """A daily record as an import would write it (times in Asia/Shanghai)."""
    work_date = date.fromisoformat(day)
    first_in = datetime.combine(work_date, time.fromisoformat(start), tzinfo=SHANGHAI) if start else None
    last_out = datetime.combine(work_date, time.fromisoformat(end), tzinfo=SHANGHAI) if end else None
    if worked is None:
        worked = int((last_out - first_in).total_seconds() // 60) - 60 if first_in and last_out else 0
    return DailyRecord.objects.create(
        organization=member.organization,
        member=member,
        work_date=work_date,
        first_in_at=first_in,
        last_out_at=last_out,
        worked_minutes=worked,
        late_minutes=late,
        early_leave_minutes=early,
        status=status,
        source="import",
    )


__all__ = ["at"]
