"""/metrics beyond django-prometheus: the queue gauges read from Redis, Celery task counts, readiness and
the zero series that exist before any event."""

import time
import uuid
import warnings

import pytest
from celery import current_app

from apps.core.tasks import diagnostics_ping
from tests.metrics import scrape, value

pytestmark = pytest.mark.django_db


def test_known_label_sets_exist_before_any_event():
    from apps.core import metrics

    samples = scrape()

    # Counters are per process: earlier tests may have moved them, but every series is there.
    for channel in metrics.DELIVERY_CHANNELS:
        assert value(samples, "timeledger_dead_letters_total", channel=channel) is not None
        for outcome in metrics.DELIVERY_OUTCOMES:
            assert value(samples, "timeledger_deliveries_total", channel=channel, outcome=outcome) is not None
    for kind in metrics.JOB_KINDS:
        for outcome in metrics.JOB_OUTCOMES:
            assert value(samples, "timeledger_jobs_total", kind=kind, outcome=outcome) is not None
    assert value(samples, "timeledger_ready", check="database") == 1


def test_a_task_run_is_counted_by_task_queue_and_state():
    before = value(
        scrape(),
        "timeledger_celery_tasks_total",
        task="access.diagnostics_ping",
        queue="eager",
        state="success",
    )

    diagnostics_ping.apply(args=["x"])

    after = value(
        scrape(),
        "timeledger_celery_tasks_total",
        task="access.diagnostics_ping",
        queue="eager",
        state="success",
    )
    assert after == (before or 0) + 1


@pytest.mark.redis
def test_queue_length_and_oldest_task_age_are_read_from_the_broker(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs a real Redis: set REDIS_URL")
    from apps.core import metrics

    prefix = f"metrics-test-{uuid.uuid4().hex[:8]}-"
    names = {name: prefix + name for name in ("imports", "default", "notifications")}
    settings.CELERY_QUEUE_NAMES = names
    settings.CELERY_TASK_DEFAULT_QUEUE = names["default"]
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    metrics._broker_client = None
    client = metrics._broker()
    try:
        sent = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # send_task under eager settings is the point here
            for _ in range(2):
                current_app.send_task("imports.job_run", kwargs={"job_id": 0}, queue=names["imports"])

        samples = scrape()

        assert value(samples, "timeledger_celery_queue_length", queue="imports") == 2
        assert value(samples, "timeledger_celery_queue_length", queue="default") == 0
        age = value(samples, "timeledger_celery_queue_oldest_task_age_seconds", queue="imports")
        assert 0 <= age <= time.time() - sent + 1
        assert value(samples, "timeledger_celery_queue_oldest_task_age_seconds", queue="notifications") == 0
    finally:
        client.delete(*names.values())
        metrics._broker_client = None
