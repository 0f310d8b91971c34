"""Kernel tasks: diagnostics only."""

import socket

from celery import shared_task


@shared_task(name="access.diagnostics_ping")
def diagnostics_ping(payload: str) -> dict:
    """Echo, for `manage.py smoke` and the worker round-trip test: proves the broker, a worker and the
    result backend work together. Touches no data."""
    return {"pong": payload, "worker": socket.gethostname()}
