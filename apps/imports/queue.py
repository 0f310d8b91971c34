"""Queueing the imports' Celery tasks, by their registered names.

tasks.py sits on top of the app: its tasks run the services. So that nothing below it imports it (the
services, jobs.py and statistics.py queue work), they look a task up in the Celery app's registry by
name; `ImportsConfig.ready()` imports tasks.py, so the names are registered in every process.
"""

from celery import current_app
from django.db import transaction

JOB_RUN = "imports.job_run"
RECORDS_VACUUM = "imports.records_vacuum"
STATISTICS_REFRESH = "imports.statistics_refresh"
JANITOR = "imports.janitor"


def task(name: str):
    return current_app.tasks[name]


def queue_after_commit(name: str, **kwargs) -> None:
    """Queue the task once the current transaction commits (at once outside one): a worker must never
    look for rows that are not there yet."""
    transaction.on_commit(lambda: task(name).delay(**kwargs))
