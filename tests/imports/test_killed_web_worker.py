"""A gunicorn worker SIGKILLed during a synchronous commit: nothing is written, the batch stays pending and
its job running with a heartbeat that no longer moves, and the sweeper queues the job again, which merges
the batch exactly once; a retry with the same idempotency key then answers with that batch.

gunicorn runs on loopback against the test database (PostgreSQL: the commit is held at the start of its
merge by the organization's advisory lock, taken here first, so the kill lands mid-commit, not by luck).
"""

import http.client
import json
import os
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from apps.access.services import token_create
from apps.attendance.models import DailyRecord
from apps.imports.models import ImportBatch, ImportJob
from tests.deploy.harness import free_port, start, wait_for
from tests.imports.test_real_services import needs_postgres, perf_file

ROOT = Path(__file__).resolve().parents[2]
ADVISORY_MERGE_LOCK = 7_100_001  # apps/imports/merge.py lock_organization


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_web_worker_killed_during_a_sync_commit_is_recovered_by_the_sweeper(
    imports, importer, make_member, settings, tmp_path
):
    for index in range(20):
        make_member(f"w{index:03d}", external_id=f"w{index:03d}")
    upload_id = imports.upload(perf_file(members=20, days=25))
    commit_token = imports.prepare(upload_id).json()["commitToken"]
    api_token = token_create(user=importer.user, organization=importer.organization, name="kill test").raw

    db = connection.settings_dict
    dsn = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": dsn.replace("postgresql://", "postgres://"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "IMPORT_JOB_HEARTBEAT_SECONDS": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "1",
        "-t",
        "300",
    ]
    server = start("gunicorn", command, env=env, logs=tmp_path, cwd=ROOT)
    holder = psycopg.connect(dsn, autocommit=False)
    watcher = psycopg.connect(dsn, autocommit=True)
    answers: list = []
    try:

        def healthy():
            server.assert_alive()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200

        wait_for(healthy, timeout=120, what="gunicorn to answer")
        holder.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_MERGE_LOCK, importer.organization_id]
        )
        holder_pid = holder.info.backend_pid

        def commit():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            body = json.dumps({"commitToken": commit_token, "idempotencyKey": "killed-web"})
            headers = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
            try:
                conn.request("POST", "/api/attendance/import/commit", body=body, headers=headers)
                answers.append(conn.getresponse().status)
            except (ConnectionError, http.client.HTTPException) as error:
                answers.append(error.__class__.__name__)

        client = threading.Thread(target=commit, daemon=True)
        client.start()
        backend = wait_for(
            lambda: watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [holder_pid]
            ).fetchone(),
            timeout=120,
            what="the synchronous commit to reach its merge",
        )[0]
        job = ImportJob.objects.get()
        assert (job.status, job.phase) == ("running", "merging")
        [worker] = _children(server.process.pid)
        os.kill(worker, signal.SIGKILL)
        client.join(timeout=60)
        assert answers and answers[0] != 200, answers  # the client lost its answer
        holder.rollback()
        wait_for(
            lambda: (
                not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()
            ),
            timeout=60,
            what="the killed worker's database session to end",
        )
        assert DailyRecord.objects.count() == 0
        batch = ImportBatch.objects.get()
        assert batch.status == "pending"
        beat = ImportJob.objects.get().heartbeat_at

        # Minutes later the heartbeat has not moved: the sweeper queues the job again (eager here: it runs
        # inline) and the batch is merged once.
        with time_machine.travel(beat + timedelta(minutes=3), tick=False):
            call_command("imports_sweep")
        job = ImportJob.objects.get()
        assert (job.status, job.recoveries, job.heartbeat_at >= beat) == ("completed", 1, True)
        batch.refresh_from_db()
        assert (batch.status, batch.created_count) == ("completed", 500)
        assert DailyRecord.objects.count() == 500
        assert set(DailyRecord.objects.values_list("version", flat=True)) == {1}
        again = imports.commit(commit_token, "killed-web")
        assert again.status_code == 200
        assert (again.json()["id"], again.json()["idempotent"]) == (batch.pk, True)
    finally:
        holder.close()
        watcher.close()
        server.stop()
