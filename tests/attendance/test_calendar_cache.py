"""The organization's holidays and who has a shift assignment are cached (apps/attendance/calendar.py):
a holiday set or removed, an assignment added, is what the very next punch is judged by, with
the cache warm (another member's punch of the same organization warmed it)."""

from datetime import date, time

import pytest

from apps.attendance import services
from apps.attendance.services.settings_admin import holiday_remove
from tests.attendance.conftest import at, client_for, get_record, post_punch

pytestmark = pytest.mark.django_db
DAY = "2026-03-04"  # a Wednesday; 11:00 is late on the 09:00 day shift


def punch_in_at_11(member):
    response = post_punch(client_for(member), at(f"{DAY} 11:00"), "in")
    assert response.status_code == 201, response.json()
    return get_record(client_for(member), DAY)


def test_a_holiday_set_and_removed_counts_from_the_next_punch(team, org):
    assert punch_in_at_11(team["olga"])["lateMinutes"] == 120  # warms the organization's calendar
    services.holiday_set(organization=org, day=date.fromisoformat(DAY), name="Founders' day")
    assert punch_in_at_11(team["emma"])["lateMinutes"] == 0
    holiday_remove(organization=org, day=date.fromisoformat(DAY))
    assert punch_in_at_11(team["wang"])["lateMinutes"] == 120


def test_an_assignment_added_counts_from_the_next_punch(team, org):
    assert punch_in_at_11(team["olga"])["lateMinutes"] == 120  # warms: nobody has an assignment
    late_shift = services.shift_create(
        organization=org, name="Late", start_time=time(12), end_time=time(20), break_minutes=60
    )
    services.shift_assignment_create(member=team["emma"], shift=late_shift)
    assert punch_in_at_11(team["emma"])["lateMinutes"] == 0  # before her 12:00 start
