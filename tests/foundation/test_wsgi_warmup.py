"""A web process loads what sending a Celery task needs while it starts (config/wsgi.py), so the first
request that queues a task does not pay for it, and it connects to nothing while doing so."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import config.wsgi
from config.celery import app
print(json.dumps({
    "finalized": app.finalized,
    "loaded": [name for name in ("kombu.transport.redis", "celery.backends.redis") if name in sys.modules],
}))
"""


def _start(broker: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_web_process_loads_the_task_publisher_without_connecting():
    # Nothing listens on port 1: a warm-up that connected would fail or hang there.
    state = _start("redis://127.0.0.1:1/0")
    assert state == {"finalized": True, "loaded": ["kombu.transport.redis", "celery.backends.redis"]}


def test_a_broker_setting_it_cannot_load_does_not_stop_the_start():
    state = _start("nosuchtransport://127.0.0.1:1/0")
    assert state["finalized"] is True
    assert state["loaded"] == []
