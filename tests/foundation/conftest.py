"""Fixtures for the foundation tests: a production environment for subprocesses, log capture."""

import io
import logging
import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str | None) -> dict[str, str]:
    """A good production environment (nothing here is contacted by `check`); overrides may drop a
    variable (None) or change it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DATABASE_URL": "postgres://timeledger:pw@db.internal.example:5432/timeledger",
        "REDIS_URL": "redis://127.0.0.1:6399/0",
        "ALLOWED_HOSTS": "timeledger.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://timeledger.example.com",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def captured_log():
    """The text the real JSON console handler writes, while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@dataclass(frozen=True)
class Worker:
    queue: str
    log: Path


@pytest.fixture(scope="module")
def celery_worker_process(tmp_path_factory, django_db_setup, django_db_blocker):
    """A real `celery worker` subprocess on its own queue, against the same Redis and (on PostgreSQL) the
    test database. Yields its queue and log file; the worker is stopped whatever happens."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings
    from django.db import connection

    if not settings.REDIS_URL:
        pytest.skip("needs a real Redis: set REDIS_URL (make test in CI does)")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "DJANGO_ENV": "test", "REDIS_URL": settings.REDIS_URL, "LOG_LEVEL": "INFO"}
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        with django_db_blocker.unblock():
            test_db = connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path=f"/{test_db}"))
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "--quiet", "worker", "-l", "INFO", "--pool=solo"),
        *("-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    with log.open("w") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield Worker(queue=queue, log=log)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
