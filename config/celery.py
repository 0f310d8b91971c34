"""The Celery app. Broker and options come from Django settings (CELERY_* names)."""

import logging
import os
import time

from celery import Celery
from celery.signals import (
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
    worker_ready,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("timeledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_task_contexts: dict[str, object] = {}
_task_started: dict[str, float] = {}


@before_task_publish.connect
def _carry_request_context(headers=None, **kwargs) -> None:
    """A task queued during a request carries its id, client and user (see apps.core.request_context)."""
    from apps.core import metrics, request_context

    if headers is None:
        return
    # When it was sent: the age of the oldest task waiting in a queue (apps.core.metrics) reads it.
    headers.setdefault(metrics.SENT_AT_HEADER, time.time())
    carried = request_context.carried()
    if carried:
        headers.setdefault(request_context.TASK_HEADER, carried)


@task_prerun.connect
def _enter_request_context(task_id=None, task=None, **kwargs) -> None:
    """Run the task in the context it carries (or one named by its own id). An eager task, run inside the
    request that queued it, keeps that request's context."""
    from apps.core import request_context

    _task_started[task_id] = time.monotonic()
    carried = getattr(task.request, request_context.TASK_HEADER, None)
    if carried is None and request_context.current().request_id:
        return
    context = request_context.from_carried(carried, fallback_id=task_id or "")
    _task_contexts[task_id] = request_context.set_current(context)


@task_postrun.connect
def _leave_request_context(task_id=None, task=None, state=None, **kwargs) -> None:
    from apps.core import metrics, request_context

    token = _task_contexts.pop(task_id, None)
    if token is not None:
        request_context.reset(token)
    started = _task_started.pop(task_id, None)
    delivery = getattr(task.request, "delivery_info", None) or {}
    queue = delivery.get("routing_key") or ("eager" if task.request.is_eager else "unknown")
    metrics.task_finished(
        task=task.name,
        queue=queue,
        state=state or "unknown",
        seconds=None if started is None else time.monotonic() - started,
    )


@worker_init.connect
def _worker_metrics_directory(**kwargs) -> None:
    """A worker starts with an empty metrics directory (a previous run's files would be added again)."""
    from apps.core import metrics

    metrics.multiprocess_directory_clear()


@worker_process_init.connect
def _worker_process_metrics(**kwargs) -> None:
    """Each pool process writes its own files: create its zero series at once, not at its first task."""
    from apps.core import metrics

    metrics.initialize()


@worker_ready.connect
def _worker_metrics_serve(**kwargs) -> None:
    """With CELERY_WORKER_METRICS_PORT, the worker serves its (and its pool's) metrics for Prometheus."""
    from apps.core import metrics

    metrics.worker_metrics_serve()


def publisher_warm() -> None:
    """Load what sending a task needs (the task registry, the routes, kombu's transport, the result
    backend) while a web process starts, not in the first request that queues a task: that send took
    150-280 ms on a 2-core VM, the next ones 2 ms, and gunicorn workers are recycled every few thousand
    requests. Opens no connection (a preloading gunicorn master must not hand sockets to its workers), and
    never stops a start: a send that fails later says why."""
    try:
        app.finalize(auto=True)
        app.amqp.router  # noqa: B018 - loaded on first access
        app.amqp.queues  # noqa: B018
        app.connection_for_write().transport  # noqa: B018
        app.backend  # noqa: B018
    except Exception:  # an optimisation only; the first send reports any configuration error itself
        logging.getLogger("timeledger.celery").warning("Celery publisher warm-up failed", exc_info=True)
