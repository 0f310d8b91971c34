"""Real TimeLedger processes on loopback against the test database (a `transaction=True` test: what the
test writes is committed, so the processes see it, and the test sees what they write): gunicorn with
deploy/gunicorn.conf.py and Celery workers reading chosen queues, in the production configuration, on this
run's own Redis queue prefix. Used by the Prometheus, scale-out and redeploy tests."""

from __future__ import annotations

import http.client
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.deploy import harness


def require_services() -> None:
    import pytest

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL=redis://...")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def app_environment(workdir: Path) -> dict[str, str]:
    """What a service manager would give the processes: production settings, the test database."""
    env = harness.base_environment()
    env.update(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1,https://localhost",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE_PREFIX": f"proc-{os.getpid()}-{secrets.token_hex(3)}-",
            "CACHE_KEY_PREFIX": f"proc-{secrets.token_hex(4)}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "STATIC_ROOT": str(workdir / "static"),
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(harness.REPO),
        }
    )
    return env


def queue_name(env: dict, name: str) -> str:
    """The Redis list a queue label (imports, default, notifications) maps to under this run's prefix."""
    return f"{env['CELERY_QUEUE_PREFIX']}{name}"


def start_gunicorn(
    name: str, env: dict, logs: Path, *, port: int | None = None, workers: int = 1, **extra: str
) -> tuple[harness.Service, int]:
    port = port or harness.free_port()
    metrics = logs / f"{name}-metrics"
    web_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": "4",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        **extra,
    }
    command = [str(harness.VENV_BIN / "gunicorn"), "-c", str(harness.DEPLOY / "gunicorn.conf.py")]
    return harness.start(name, command, env=web_env, logs=logs), port


def wait_web(service: harness.Service, port: int, *, timeout: float = 60) -> None:
    def answers():
        service.assert_alive()
        return request(port, "GET", "/healthz")[0] == 200

    harness.wait_for(answers, timeout=timeout, what=f"{service.name} to answer /healthz")


def start_worker(
    name: str,
    env: dict,
    logs: Path,
    *,
    queues: list[str] | None = None,
    metrics_port: int | None = None,
    concurrency: int = 1,
) -> harness.Service:
    command = [
        str(harness.VENV_BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
        "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "-n", f"{name}@%h",
    ]  # fmt: skip
    if queues:
        command += ["-Q", ",".join(queue_name(env, q) for q in queues)]
    metrics = logs / f"{name}-metrics"  # the service manager makes it (systemd RuntimeDirectory, an emptyDir)
    metrics.mkdir(exist_ok=True)
    worker_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    if metrics_port:
        worker_env["CELERY_WORKER_METRICS_PORT"] = str(metrics_port)
    return harness.start(name, command, env=worker_env, logs=logs)


def wait_worker(service: harness.Service, *, timeout: float = 90) -> None:
    harness.wait_for(
        lambda: service.assert_alive() or " ready." in service.output(),
        timeout=timeout,
        what=f"the Celery worker {service.name} to say it is ready",
    )


def request(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | bytes | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> tuple[int, dict, bytes]:
    """Straight to gunicorn, as nginx would send it (X-Forwarded-Proto: https from loopback)."""
    sent = {"X-Forwarded-Proto": "https", "Host": "localhost", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection_.request(method, path, body=body, headers=sent)
        response = connection_.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection_.close()


def run_task(env: dict, name: str, *, queue: str, args: tuple = (), timeout: float = 60):
    """Send a task by name through the broker to this run's queue (as beat or a web process would) and wait
    for its result, from the test process whose own Celery runs tasks eagerly."""
    import warnings

    from celery.exceptions import AlwaysEagerIgnored

    from config.celery import app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        warnings.filterwarnings("ignore", "Results are not stored in backend", RuntimeWarning)
        return app.send_task(name, args=args, queue=queue_name(env, queue)).get(timeout=timeout)
