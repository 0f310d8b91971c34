"""The Django admin pages for attendance render with their filters and search, admin actions go through
the services, and the demo seeder builds a usable, idempotent setup."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.access.models import Membership
from apps.attendance.models import (
    AdjustmentRequest,
    AttendancePolicy,
    DailyRecord,
    Holiday,
    LeaveLedgerEntry,
    LeaveType,
    Shift,
    ShiftAssignment,
)
from apps.audit.models import OperationLog
from tests.attendance.conftest import at, client_for, post_punch

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "shift",
    "attendancepolicy",
    "shiftassignment",
    "holiday",
    "site",
    "punch",
    "dailyrecord",
    "adjustmentrequest",
    "leavetype",
    "leaverequest",
    "leaveledgerentry",
]


@pytest.fixture
def staff_client(client, team):
    user = team["admin"].user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_admin_changelists_render_with_search_and_filters(staff_client, team, model):
    post_punch(client_for(team["emma"]), at("2026-03-02 09:00"), "in")
    response = staff_client.get(f"/django-admin/attendance/{model}/", {"q": "emma"})
    assert response.status_code == 200


def test_admin_approve_action_uses_the_service(staff_client, team):
    import time_machine

    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        created = client_for(team["emma"]).post(
            "/api/attendance/adjustments",
            {
                "kind": "missed_check_in",
                "workDate": "2026-03-02",
                "requestedInAt": "2026-03-02T09:00:00+08:00",
                "reason": "x",
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY="a",
        )
        response = staff_client.post(
            "/django-admin/attendance/adjustmentrequest/",
            {"action": "approve", "_selected_action": [created.json()["id"]]},
        )
    assert response.status_code == 302
    assert AdjustmentRequest.objects.get().status == "approved"
    assert DailyRecord.objects.get().status == "adjusted"
    assert OperationLog.objects.filter(
        action="attendance.adjustment.approve", actor=team["admin"].user
    ).exists()


def test_admin_recompute_action(staff_client, team):
    call_command(
        "attendance_recompute", "--org", "acme", "--from", "2026-03-02", "--member", "emma", stdout=StringIO()
    )
    record = DailyRecord.objects.get()
    DailyRecord.objects.update(status="normal")
    response = staff_client.post(
        "/django-admin/attendance/dailyrecord/", {"action": "recompute", "_selected_action": [record.pk]}
    )
    assert response.status_code == 302
    assert DailyRecord.objects.get().status == "absent"


def test_demo_seed_sets_up_shifts_calendar_and_leave_and_is_idempotent():
    call_command("demo_seed", stdout=StringIO())
    call_command("demo_seed", stdout=StringIO())
    assert set(Shift.objects.values_list("name", flat=True)) == {"Day", "Night"}
    policy = AttendancePolicy.objects.get()
    assert policy.default_shift.name == "Day"
    assert ShiftAssignment.objects.get().member.user.username == "sam.night"
    assert Holiday.objects.filter(kind="makeup_workday").count() == 1
    assert Holiday.objects.filter(kind="holiday").count() >= 5
    assert set(LeaveType.objects.values_list("code", flat=True)) == {"annual", "sick", "unpaid"}
    # Every leave type and holiday has its Chinese name too.
    assert not LeaveType.objects.filter(name_zh="").exists()
    assert not Holiday.objects.filter(name_zh="").exists()
    assert LeaveType.objects.get(code="annual").name_zh == "年假"
    members = Membership.objects.count()
    annual = LeaveLedgerEntry.objects.filter(kind="accrual", leave_type__code="annual", accrual_year=2026)
    assert annual.count() == members
    sam = Membership.objects.get(user__username="sam.night")
    response = post_punch(client_for(sam), at("2026-03-03 05:58"), "out")
    assert response.json()["workDate"] == "2026-03-02"


def test_the_shift_admin_refuses_a_half_day_split_outside_the_shift(staff_client, team, day_shift):
    form = {
        "organization": day_shift.organization_id,
        "name": "Day",
        "start_time": "09:00",
        "end_time": "18:00",
        "late_grace_minutes": 10,
        "early_grace_minutes": 10,
        "break_minutes": 60,
        "required_minutes": 480,
        "is_active": "on",
    }
    url = f"/django-admin/attendance/shift/{day_shift.pk}/change/"
    refused = staff_client.post(url, {**form, "half_day_at": "20:00"})
    assert refused.status_code == 200 and b"The half-day split must fall inside the shift." in refused.content
    assert staff_client.post(url, {**form, "half_day_at": "12:30"}).status_code == 302
    day_shift.refresh_from_db()
    assert day_shift.half_day_at.isoformat() == "12:30:00"
