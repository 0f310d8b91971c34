"""Locked periods: every write to a punch, record, adjustment or leave asks the hook first; a locked date
is 409 PERIOD_LOCKED and nothing changes."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from apps.attendance import hooks, services
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveLedgerEntry, LeaveRequest, Punch
from tests.attendance.conftest import at, client_for, post_punch

pytestmark = pytest.mark.django_db

LOCKED = date(2026, 3, 2)
NOW = at("2026-03-03 10:00")


def assert_locked(response):
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "PERIOD_LOCKED"
    assert response.json()["error"]["details"]["dates"] == ["2026-03-02"]


def test_no_checker_means_nothing_is_locked(team):
    assert hooks.is_locked(member=team["emma"], work_date=LOCKED) is False


def test_a_punch_on_a_locked_date_is_409_and_nothing_is_written(team, lock_dates):
    lock_dates(team["emma"], {LOCKED})
    assert hooks.is_locked(member=team["emma"], work_date=LOCKED)
    assert not hooks.is_locked(member=team["wang"], work_date=LOCKED)
    assert_locked(post_punch(client_for(team["emma"]), at("2026-03-02 09:00"), "in"))
    assert not Punch.objects.exists() and not DailyRecord.objects.exists()
    # Someone else, or the next day, is not locked.
    assert post_punch(client_for(team["wang"]), at("2026-03-02 09:00"), "in").status_code == 201
    assert post_punch(client_for(team["emma"]), at("2026-03-03 09:00"), "in").status_code == 201


def test_adjustments_on_a_locked_date_cannot_be_made_or_approved(team, lock_dates):
    body = {
        "kind": "missed_check_in",
        "workDate": "2026-03-02",
        "requestedInAt": "2026-03-02T09:00:00+08:00",
        "reason": "x",
    }
    with time_machine.travel(NOW, tick=False):
        created = client_for(team["emma"]).post(
            "/api/attendance/adjustments", body, format="json", HTTP_IDEMPOTENCY_KEY="a"
        )
        lock_dates(team["emma"], {LOCKED})
        assert_locked(
            client_for(team["approver"]).post(
                f"/api/attendance/adjustments/{created.json()['id']}/approve", {}, format="json"
            )
        )
        assert_locked(
            client_for(team["emma"]).post(
                "/api/attendance/adjustments",
                {**body, "reason": "y"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="b",
            )
        )
    assert AdjustmentRequest.objects.get().status == "pending"
    assert not Punch.objects.exists() and not DailyRecord.objects.exists()


def test_leave_over_a_locked_date_cannot_be_asked_approved_or_cancelled(org, team, lock_dates):
    services.leave_type_create(organization=org, code="annual", name="Annual", yearly_allowance=10)
    services.leave_accrue_year(organization=org, year=2026)
    body = {"leaveType": "annual", "startDate": "2026-03-02", "endDate": "2026-03-03"}
    with time_machine.travel(at("2026-02-20 10:00"), tick=False):
        emma = client_for(team["emma"])
        pending = emma.post(
            "/api/attendance/leave-requests", body, format="json", HTTP_IDEMPOTENCY_KEY="p"
        ).json()["id"]
        lock_dates(team["emma"], {LOCKED})
        assert_locked(
            client_for(team["approver"]).post(
                f"/api/attendance/leave-requests/{pending}/approve", {}, format="json"
            )
        )
        assert_locked(
            emma.post(
                "/api/attendance/leave-requests",
                {**body, "startDate": "2026-02-27"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="q",
            )
        )
    assert LeaveRequest.objects.get().status == "pending"
    assert not LeaveLedgerEntry.objects.filter(kind="usage").exists()


def test_cancelling_approved_leave_in_a_locked_period_is_409(org, team, lock_dates):
    services.leave_type_create(organization=org, code="annual", name="Annual", yearly_allowance=10)
    services.leave_accrue_year(organization=org, year=2026)
    body = {"leaveType": "annual", "startDate": "2026-03-02", "endDate": "2026-03-02"}
    with time_machine.travel(at("2026-02-20 10:00"), tick=False):
        emma = client_for(team["emma"])
        request_id = emma.post(
            "/api/attendance/leave-requests", body, format="json", HTTP_IDEMPOTENCY_KEY="p"
        ).json()["id"]
        client_for(team["approver"]).post(
            f"/api/attendance/leave-requests/{request_id}/approve", {}, format="json"
        )
        lock_dates(team["emma"], {LOCKED})
        assert_locked(emma.post(f"/api/attendance/leave-requests/{request_id}/cancel", {}, format="json"))
    assert LeaveRequest.objects.get().status == "approved"
    assert DailyRecord.objects.get().status == "leave"
    assert not LeaveLedgerEntry.objects.filter(kind="reversal").exists()


def test_recompute_leaves_locked_records_alone(team, lock_dates):
    call_command(
        "attendance_recompute", "--org", "acme", "--from", "2026-03-02", "--member", "emma", stdout=StringIO()
    )
    DailyRecord.objects.update(status="normal", note="closed by payroll")
    lock_dates(team["emma"], {LOCKED})
    out = StringIO()
    call_command(
        "attendance_recompute", "--org", "acme", "--from", "2026-03-02", "--member", "emma", stdout=out
    )
    assert "1 skipped (locked)" in out.getvalue()
    assert DailyRecord.objects.get().status == "normal"
