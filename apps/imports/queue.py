"""Queueing the imports' Celery tasks, by their registered names.

tasks.py sits on top of the app: its tasks run the services. So that nothing below it imports it (the
services, jobs.py and statistics.py queue work), they look a task up in the Celery app's registry by
name; `ImportsConfig.ready()` imports tasks.py, so the names are registered in every process.

A broker that cannot take a message fails fast (one quick retry, then `ServiceUnavailable`, a 503),
instead of kombu's default of retrying for many seconds while a request waits.
"""

import contextlib
import logging

from celery import current_app
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.errors import ServiceUnavailable

JOB_RUN = "imports.job_run"
RECORDS_VACUUM = "imports.records_vacuum"
STATISTICS_REFRESH = "imports.statistics_refresh"
JANITOR = "imports.janitor"
SWEEP = "imports.sweep"
# One retry at once, then give up: the caller marks its job failed and answers 503.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

logger = logging.getLogger("timeledger.imports")


def task(name: str):
    return current_app.tasks[name]


def broker_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        code="SERVICE_UNAVAILABLE",
        message=_("The job queue is not answering; nothing was started. Try again shortly."),
    )


def publish(name: str, **kwargs) -> None:
    """Send the task now; `ServiceUnavailable` when the broker cannot take it."""
    try:
        task(name).apply_async(kwargs=kwargs, retry=True, retry_policy=RETRY_POLICY)
    except Exception as error:  # kombu, redis-py and socket errors alike: the message is not queued
        logger.warning("task %s could not be queued: %s", name, error.__class__.__name__)
        raise broker_unavailable() from error


def queue_after_commit(name: str, **kwargs) -> None:
    """Queue the task once the current transaction commits (at once outside one): a worker must never
    look for rows that are not there yet. For work nobody waits on: a broker that is down is logged."""

    def send():
        with contextlib.suppress(ServiceUnavailable):  # publish logged it
            publish(name, **kwargs)

    transaction.on_commit(send)
