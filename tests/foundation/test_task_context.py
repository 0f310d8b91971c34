"""A Celery task runs in the context of the request that queued it: its log lines and audit entries carry
the same request id, client and user (the real worker case is in tests/imports/test_real_services.py).
A task queued outside a request (beat) is named by its own id."""

import pytest
from celery.signals import before_task_publish

from apps.core import request_context
from apps.core.metrics import SENT_AT_HEADER
from config.celery import app


@app.task(name="tests.context_probe")
def context_probe() -> dict:
    context = request_context.current()
    return {"requestId": context.request_id, "username": context.username, "ip": context.ip}


@pytest.fixture
def in_request():
    token = request_context.set_current(
        request_context.RequestContext(
            request_id="req-123",
            ip="203.0.113.9",
            user_agent="curl/8",
            user_id=7,
            username="ivan",
            organization="acme",
        )
    )
    yield
    request_context.reset(token)


def test_a_task_queued_outside_a_request_runs_under_its_own_id_and_leaves_no_context_behind():
    assert context_probe.apply(task_id="beat-run-1").get() == {
        "requestId": "beat-run-1",
        "username": "",
        "ip": "",
    }
    assert request_context.current().request_id == ""


def test_a_task_run_eagerly_inside_the_request_keeps_its_context(in_request):
    assert context_probe.apply(task_id="t-1").get() == {
        "requestId": "req-123",
        "username": "ivan",
        "ip": "203.0.113.9",
    }
    assert request_context.current().request_id == "req-123"


def test_a_message_published_during_a_request_carries_its_context(in_request):
    headers: dict = {}
    before_task_publish.send(sender="tests.context_probe", body=(), headers=headers, properties={})
    assert headers.pop(SENT_AT_HEADER) > 0  # every message says when it was sent (queue age metric)
    assert headers == {
        request_context.TASK_HEADER: {
            "request_id": "req-123",
            "ip": "203.0.113.9",
            "user_agent": "curl/8",
            "user_id": 7,
            "username": "ivan",
            "organization": "acme",
        }
    }


def test_outside_a_request_a_message_carries_nothing():
    headers: dict = {}
    before_task_publish.send(sender="tests.context_probe", body=(), headers=headers, properties={})
    assert headers.pop(SENT_AT_HEADER) > 0
    assert headers == {}


@pytest.mark.parametrize(
    "header",
    [None, "req-1", ["req-1"], {"request_id": "has spaces"}, {"request_id": "x" * 65}, {"request_id": 5}],
)
def test_a_header_that_is_not_ours_is_ignored(header):
    assert request_context.from_carried(header, fallback_id="task-9") == request_context.RequestContext(
        request_id="task-9"
    )


def test_carried_values_of_the_wrong_type_are_dropped():
    context = request_context.from_carried(
        {"request_id": "req-1", "user_id": "7", "ip": None}, fallback_id="t"
    )
    assert (context.request_id, context.user_id, context.ip) == ("req-1", None, "")
