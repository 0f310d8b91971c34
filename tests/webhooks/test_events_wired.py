"""The events of the payroll cycles and of every request kind are written with their change.

(Punches, adjustment and leave requests, members: test_outbox_and_emitters.py; import batches:
tests/imports/test_webhook_events.py.)"""

import pytest

from apps.attendance.services.decisions import _rules
from apps.audit.models import OutboxEvent
from apps.audit.webhooks.events import EVENT_TYPES
from apps.payroll_cycles.models import PayrollCycle, PayrollWrite
from apps.payroll_cycles.services import transitions as cycles
from tests.attendance.conftest import day_shift, team  # noqa: F401 (fixtures)
from tests.payroll_cycles.conftest import CYCLES, admin_api, march  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


class AfterTheChange(Exception):
    pass


def act(team, cycle, action, key=None, **body):  # noqa: F811
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return admin_api(team).post(f"{CYCLES}/{cycle['id']}/{action}", body, format="json", **headers)


def test_lock_close_and_reopen_write_cycle_events_in_order(team, march):  # noqa: F811
    for action, body in [
        ("lock", {}),
        ("unlock", {"reason": "one more import"}),
        ("lock", {}),
        ("close", {}),
        ("reopen", {"reason": "a late correction"}),
    ]:
        response = act(team, march, action, **body)
        assert response.status_code == 200, response.json()
    events = list(OutboxEvent.objects.values_list("type", "subject", "data"))
    subject = f"payroll_cycle:{march['id']}"
    assert [(t, s) for t, s, _ in events] == [
        ("payroll_cycle.locked", subject),
        ("payroll_cycle.locked", subject),
        ("payroll_cycle.closed", subject),
        ("payroll_cycle.reopened", subject),
    ]  # unlock is not an event the issue asks for
    closed, reopened = events[2][2], events[3][2]
    assert (closed["cycleId"], closed["startDate"], closed["endDate"]) == (
        march["id"],
        "2026-03-01",
        "2026-03-31",
    )
    assert (closed["status"], closed["snapshotVersion"], closed["by"]) == ("closed", 1, "ada")
    assert (reopened["status"], reopened["reason"]) == ("open", "a late correction")


def test_a_retried_transition_writes_no_second_event(team, march):  # noqa: F811
    first = act(team, march, "lock", key="lock-1")
    again = act(team, march, "lock", key="lock-1")
    assert first.json() == again.json()
    assert OutboxEvent.objects.filter(type="payroll_cycle.locked").count() == 1


def test_a_failure_after_the_lock_leaves_neither_the_lock_nor_its_event(team, march, monkeypatch):  # noqa: F811
    """The idempotency record is written last, after the status and the event: when it fails, the
    transaction takes both back."""
    cycle = PayrollCycle.objects.get(pk=march["id"])
    real_filter = PayrollWrite.objects.filter

    def fail_when_storing_the_answer(*args, **kwargs):
        assert OutboxEvent.objects.filter(type="payroll_cycle.locked").exists()  # written, not committed
        raise AfterTheChange

    monkeypatch.setattr(PayrollWrite.objects, "filter", fail_when_storing_the_answer)
    with pytest.raises(AfterTheChange):
        cycles.cycle_lock(actor=team["admin"], cycle=cycle, idempotency_key="k-1")
    monkeypatch.setattr(PayrollWrite.objects, "filter", real_filter)
    cycle.refresh_from_db()
    assert cycle.status == "open"
    assert not OutboxEvent.objects.exists()


def test_when_the_event_cannot_be_written_the_cycle_is_not_closed(team, march, monkeypatch):  # noqa: F811
    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(OutboxEvent.objects, "create", broken)
    cycle = PayrollCycle.objects.get(pk=march["id"])
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        cycles.cycle_close(actor=team["admin"], cycle=cycle)
    cycle.refresh_from_db()
    assert (cycle.status, cycle.snapshot_version) == ("open", 0)


def test_every_request_kind_has_its_event_types():
    """A kind registered with the decision mechanism (adjustment, leave, overtime once it lands) emits
    <noun>.submitted and <noun>.decided; both must be event types an endpoint can subscribe to."""
    nouns = {rules.noun for rules in _rules.values()}
    assert {"adjustment", "leave"} <= nouns
    for noun in nouns:
        assert f"{noun}.submitted" in EVENT_TYPES, noun
        assert f"{noun}.decided" in EVENT_TYPES, noun


def test_a_kind_says_what_its_events_carry(team, monkeypatch):  # noqa: F811
    """The event data comes from the kind's rules, not from a list of models in the event writer."""
    from datetime import date

    from apps.attendance import services as attendance
    from apps.attendance.models import LeaveRequest

    rules = _rules[LeaveRequest]
    monkeypatch.setattr(
        type(rules), "event_data", lambda self, request: {"requestId": request.pk, "custom": "yes"}
    )
    attendance.leave_type_create(
        organization=team["emma"].organization, code="unpaid", name="Unpaid", allow_negative=True
    )
    leave = attendance.leave_request_create(
        member=team["emma"], leave_type="unpaid", start_date=date(2026, 3, 10), end_date=date(2026, 3, 10)
    ).obj
    attendance.leave_request_reject(request=leave, approver=team["approver"], comment="Busy week")
    submitted, decided = OutboxEvent.objects.order_by("id")
    assert (submitted.type, submitted.data["custom"], submitted.data["status"]) == (
        "leave.submitted",
        "yes",
        "pending",
    )
    assert (decided.type, decided.data["custom"], decided.data["status"]) == (
        "leave.decided",
        "yes",
        "rejected",
    )
