"""The Celery app. Broker and options come from Django settings (CELERY_* names)."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("timeledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
