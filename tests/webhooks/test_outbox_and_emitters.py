"""The outbox is written in the transaction of the change: no event without the change, no change
without its event. Each emitter writes its event type."""

from datetime import date, time

import pytest
import time_machine
from django.db import transaction

from apps.access import provisioning, roles
from apps.attendance import services as attendance
from apps.attendance.models import Punch
from apps.audit.models import OutboxEvent, WebhookDelivery
from tests.attendance.conftest import at

pytestmark = pytest.mark.django_db


class AfterTheChange(Exception):
    pass


@pytest.fixture
def day_shift(org):
    shift = attendance.shift_create(
        organization=org, name="Day", start_time=time(9), end_time=time(18), break_minutes=60
    )
    attendance.policy_update(organization=org, default_shift=shift)
    return shift


def punch(member, when="2026-03-02 09:00"):
    with time_machine.travel(at(when), tick=False):
        return attendance.punch_create(member=member, kind="in", source="web").obj


def test_a_failure_after_the_change_leaves_neither_the_change_nor_its_event(
    admin, employee_member, endpoint_for, receiver, day_shift
):
    endpoint_for(receiver, events=["punch.created"])
    seen = {}

    def change_then_fail():
        with transaction.atomic():
            seen["punch"] = punch(employee_member)
            seen["events"] = OutboxEvent.objects.filter(type="punch.created").count()  # with the punch
            raise AfterTheChange

    with pytest.raises(AfterTheChange):
        change_then_fail()
    assert seen["events"] == 1
    assert not Punch.objects.filter(pk=seen["punch"].pk).exists()
    assert OutboxEvent.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert receiver.received == []


def test_when_the_event_cannot_be_written_the_change_is_refused(employee_member, day_shift, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(OutboxEvent.objects, "create", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        punch(employee_member)
    assert Punch.objects.count() == 0


def test_each_change_writes_its_event_with_the_member_as_subject(
    admin, make_member, endpoint_for, receiver, day_shift, org
):
    approver = make_member("approver", roles.APPROVER)
    emma = make_member("emma", roles.EMPLOYEE, manager=approver)
    endpoint_for(receiver, events=["punch.created", "adjustment.decided"])
    made = punch(emma)
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        adjustment = attendance.adjustment_request_create(
            member=emma,
            kind="missed_check_out",
            work_date=date(2026, 3, 2),
            requested_out_at=at("2026-03-02 18:00"),
            reason="Forgot",
        ).obj
        attendance.adjustment_request_reject(request=adjustment, approver=approver, comment="No proof")
    attendance.leave_type_create(
        organization=org, code="unpaid", name="Unpaid", is_paid=False, allow_negative=True
    )
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        leave = attendance.leave_request_create(
            member=emma,
            leave_type="unpaid",
            start_date=date(2026, 3, 10),
            end_date=date(2026, 3, 10),
        ).obj
        attendance.leave_request_approve(request=leave, approver=approver)
        attendance.leave_request_cancel(request=leave, actor=emma)
    deactivated = provisioning.member_deactivate(organization=org, actor=admin, member=emma)
    assert deactivated.changed
    events = list(OutboxEvent.objects.values_list("type", "subject"))
    subject = f"member:{emma.pk}"
    assert events == [
        ("punch.created", subject),
        ("adjustment.submitted", subject),
        ("adjustment.decided", subject),
        ("leave.submitted", subject),
        ("leave.decided", subject),
        ("leave.decided", subject),
        ("member.deactivated", subject),
    ]
    decided = OutboxEvent.objects.filter(type="adjustment.decided").get().data
    assert (decided["status"], decided["decidedBy"], decided["comment"]) == (
        "rejected",
        "approver",
        "No proof",
    )
    assert [e.data["status"] for e in OutboxEvent.objects.filter(type="leave.decided")] == [
        "approved",
        "cancelled",
    ]
    assert OutboxEvent.objects.get(type="punch.created").data["punchId"] == made.pk
    # Only the subscribed types got a delivery.
    assert sorted(WebhookDelivery.objects.values_list("event__type", flat=True)) == [
        "adjustment.decided",
        "punch.created",
    ]


def test_member_created_through_the_api_writes_its_event(admin_api):
    response = admin_api.post(
        "/api/attendance-admin/users", {"username": "newbie", "email": "n@acme.example"}, format="json"
    )
    assert response.status_code == 201, response.json()
    (event,) = OutboxEvent.objects.all()
    assert (event.type, event.data["username"]) == ("member.created", "newbie")


def test_the_payroll_hook_writes_cycle_events(org):
    from apps.audit.webhooks.events import payroll_cycle_event_emit

    class Cycle:
        pk = 7
        organization = org

    with transaction.atomic():
        payroll_cycle_event_emit(cycle=Cycle, kind="locked", data={"startDate": "2026-03-01"})
    event = OutboxEvent.objects.get()
    assert (event.type, event.subject, event.data) == (
        "payroll_cycle.locked",
        "payroll_cycle:7",
        {"cycleId": 7, "startDate": "2026-03-01"},
    )
    with pytest.raises(ValueError, match="unknown payroll cycle event"):
        payroll_cycle_event_emit(cycle=Cycle, kind="exploded")
