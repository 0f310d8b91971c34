"""Deliveries against a real HTTP receiver on loopback: signed envelope, retries with backoff on 5xx and
timeouts, dead letters, replay, order per subject, at-least-once with a stable event id."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.access import provisioning
from apps.audit.models import OutboxEvent, WebhookDelivery
from apps.audit.webhooks.delivery import backoff_seconds, deliveries_due, delivery_attempt
from apps.audit.webhooks.signing import signature_valid

pytestmark = pytest.mark.django_db
MEMBER_EVENTS = ("member.created", "member.deactivated")


def provision(admin, username: str):
    return provisioning.member_provision(
        organization=admin.organization, actor=admin, username=username, email=f"{username}@acme.example"
    ).membership


def only_delivery() -> WebhookDelivery:
    (delivery,) = WebhookDelivery.objects.all()
    return delivery


def later(delivery: WebhookDelivery):
    """Move the clock to just after the delivery's next attempt is due."""
    return time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=True)


def test_a_committed_change_is_delivered_signed_with_the_envelope(
    admin, endpoint_for, receiver, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint_for(receiver, events=MEMBER_EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        member = provision(admin, "newbie")
    (request,) = receiver.received
    event = OutboxEvent.objects.get()
    assert request.path == "/hooks/timeledger"
    assert request.json == {
        "id": str(event.event_id),
        "type": "member.created",
        "time": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "organization": "acme",
        "data": {
            "memberId": member.pk,
            "username": "newbie",
            "employeeNo": "",
            "dingtalkUserId": "",
            "name": "newbie",
            "department": "",
            "managerId": None,
            "roles": ["attendance_employee"],
        },
    }
    assert request.headers["X-TimeLedger-Event-Id"] == str(event.event_id)
    assert request.headers["X-TimeLedger-Event"] == "member.created"
    header = request.headers["X-TimeLedger-Signature"]
    assert signature_valid(secret=secret, header=header, body=request.body, now=time.time())
    assert not signature_valid(secret="whsec_other", header=header, body=request.body, now=time.time())
    assert not signature_valid(secret=secret, header=header, body=request.body + b" ", now=time.time())
    assert not signature_valid(secret=secret, header=header, body=request.body, now=time.time() + 3600)
    delivery = only_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.last_response == '{"received": true}'


def test_failures_and_a_timeout_are_retried_with_backoff_until_the_receiver_recovers(
    admin, endpoint_for, receiver
):
    endpoint_for(receiver, events=MEMBER_EVENTS)
    receiver.script = ["fail", "timeout", "unavailable"]
    provision(admin, "newbie")
    delivery = only_delivery()

    first = delivery_attempt(delivery_id=delivery.pk)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.last_response == "receiver says no"
    waited = (first.next_attempt_at - first.last_attempt_at).total_seconds()
    assert 5 <= waited <= 10  # base 10 s x a jitter factor in [0.5, 1]
    assert delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing sent
    assert len(receiver.received) == 1

    with later(first):
        second = delivery_attempt(delivery_id=delivery.pk)
    assert (second.status, second.attempts, second.last_status_code) == ("pending", 2, None)
    assert "timed out" in second.last_error
    assert 10 <= (second.next_attempt_at - second.last_attempt_at).total_seconds() <= 20

    with later(second):
        third = delivery_attempt(delivery_id=delivery.pk)
    assert (third.status, third.last_status_code) == ("pending", 503)
    with later(third):
        assert deliveries_due() == [delivery.pk]  # what the beat sweep queues
        fourth = delivery_attempt(delivery_id=delivery.pk)
    assert (fourth.status, fourth.attempts, fourth.last_status_code) == ("succeeded", 4, 200)
    # At least once, always the same event id (the timed-out attempt may have been processed).
    assert len({r.headers["X-TimeLedger-Event-Id"] for r in receiver.received}) == 1
    assert len(receiver.received) == 4


def test_after_the_last_attempt_the_delivery_is_a_dead_letter_and_a_4xx_is_final(
    admin, endpoint_for, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint_for(receiver, events=MEMBER_EVENTS)
    receiver.script = ["fail", "fail", "reject"]
    provision(admin, "one")
    delivery = only_delivery()
    delivery_attempt(delivery_id=delivery.pk)
    with later(WebhookDelivery.objects.get()):
        dead = delivery_attempt(delivery_id=delivery.pk)
    assert (dead.status, dead.attempts) == ("dead", 2)
    with later(dead):
        assert deliveries_due() == []
        assert delivery_attempt(delivery_id=delivery.pk) is None

    provision(admin, "two")
    rejected = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert delivery_attempt(delivery_id=rejected.pk).status == "dead"  # 400: no retry
    assert len(receiver.received) == 3


def test_events_of_one_subject_are_delivered_in_order(
    admin, endpoint_for, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(receiver, events=MEMBER_EVENTS)
    receiver.script = ["fail"]
    with django_capture_on_commit_callbacks(execute=True):
        member = provision(admin, "newbie")
    with django_capture_on_commit_callbacks(execute=True):
        provisioning.member_deactivate(organization=admin.organization, actor=admin, member=member)
        other = provision(admin, "other")  # another subject is not held up
    created, deactivated, _other = WebhookDelivery.objects.order_by("sequence")
    assert [r.json["type"] for r in receiver.received] == ["member.created", "member.created"]
    assert receiver.received[1].json["data"]["memberId"] == other.pk
    deactivated.refresh_from_db()
    assert (deactivated.status, deactivated.attempts) == ("pending", 0)  # waits behind the failed one
    with later(WebhookDelivery.objects.get(pk=created.pk)):
        assert deliveries_due() == [created.pk]  # only the head of the subject
        with django_capture_on_commit_callbacks(execute=True):
            delivery_attempt(delivery_id=created.pk)
    assert [r.json["type"] for r in receiver.received][2:] == ["member.created", "member.deactivated"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_worker_that_died_mid_attempt_leaves_the_delivery_to_the_sweep(admin, endpoint_for, receiver):
    endpoint_for(receiver, events=MEMBER_EVENTS)
    provision(admin, "newbie")
    delivery = only_delivery()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() + timedelta(seconds=30)
    )
    assert delivery_attempt(delivery_id=delivery.pk) is None  # leased to the (dead) worker
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=True):
        assert deliveries_due() == [delivery.pk]
        assert delivery_attempt(delivery_id=delivery.pk).status == "succeeded"


def test_backoff_grows_exponentially_up_to_the_cap(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 600
    for attempts, full in ((1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (12, 600)):
        waits = {backoff_seconds(attempts) for _ in range(20)}
        assert all(full * 0.5 <= wait <= full for wait in waits)
        assert len(waits) > 1  # jitter
