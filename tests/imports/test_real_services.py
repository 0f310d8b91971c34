"""The commit under real concurrency and a real Celery worker on Redis, on PostgreSQL.

These tests need the services (DATABASE_URL on PostgreSQL, REDIS_URL) and skip with the reason otherwise.
They are `transaction=True` tests: the worker process and the request threads must see committed rows.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from rest_framework.test import APIClient

from apps.attendance.models import DailyRecord
from apps.audit.models import OperationLog
from apps.imports.models import CommitToken, ImportBatch, ImportItem, ImportJob

ROOT = Path(__file__).resolve().parents[2]
needs_postgres = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
)
needs_redis = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="needs Redis: set REDIS_URL=redis://..."
)
HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n"


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def perf_file(members: int, days: int) -> str:
    lines = [HEADER]
    for day in range(1, days + 1):
        lines += [f"2026-01-{day:02d},w{index:03d},09:00,18:00,正常\n" for index in range(members)]
    return "".join(lines)


@pytest.fixture
def workforce(make_member):
    return [make_member(f"w{index:03d}", external_id=f"w{index:03d}") for index in range(20)]


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_identical_commits_create_exactly_one_batch(imports, importer, workforce, settings):
    # About duplicates under concurrency, not the rate limit (tests/imports/test_rate_limits.py covers that).
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "import_commit": "100/m"}
    upload_id = imports.upload(perf_file(members=20, days=10))
    token = imports.prepare(upload_id).json()["commitToken"]
    answers: list = []
    barrier = threading.Barrier(20)

    def commit():
        client = APIClient()
        client.force_login(importer.user)
        barrier.wait()
        try:
            response = client.post(
                "/api/attendance/import/commit",
                {"commitToken": token, "idempotencyKey": "twenty"},
                format="json",
            )
            body = response.json()
            answers.append((response.status_code, body.get("id") or body.get("batch", {}).get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=commit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 20
    assert {status for status, _ in answers} <= {200, 202}
    assert len({batch_id for _, batch_id in answers}) == 1
    assert ImportBatch.objects.count() == 1
    assert ImportBatch.objects.get().status == "completed"
    assert DailyRecord.objects.count() == 200
    assert set(DailyRecord.objects.values_list("version", flat=True)) == {1}
    assert OperationLog.objects.filter(action="imports.batch.commit").count() == 1
    assert CommitToken.objects.get().used_at is not None


def _worker(env: dict, name: str, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO", "-n", f"{name}@%h",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@needs_postgres
@needs_redis
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_merge_leaves_nothing_and_the_redelivered_task_finishes_once(
    imports, workforce, settings, tmp_path
):
    from config.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    db = connection.settings_dict
    dsn = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": dsn.replace("postgresql://", "postgres://"),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    workers: list[subprocess.Popen] = []
    holder = psycopg.connect(dsn, autocommit=False)
    # A separate autocommit session watches: statistics views are frozen for a transaction's duration.
    watcher = psycopg.connect(dsn, autocommit=True)
    try:
        upload_id = imports.upload(perf_file(members=20, days=25))
        token = imports.prepare(upload_id).json()["commitToken"]
        response = imports.api.post(
            f"{imports.base}/commit",
            {"commitToken": token, "idempotencyKey": "kill-me", "async": True},
            format="json",
            HTTP_X_REQUEST_ID="req-kill-me-1",
            HTTP_USER_AGENT="bench-client/1.0",
        )
        assert response.status_code == 202
        batch_id, job_id = response.json()["batch"]["id"], response.json()["job"]["id"]

        # Hold the batch row: the worker's merge transaction writes it last, so it will stop right there,
        # with the records written but not committed.
        # (NO KEY UPDATE: the items' foreign key checks on the batch must not wait, only its final update.)
        holder.execute("SELECT id FROM imports_importbatch WHERE id = %s FOR NO KEY UPDATE", [batch_id])
        holder_pid = holder.info.backend_pid
        first = _worker(env, "first", tmp_path / "first.log")
        workers.append(first)
        backend, query = wait_for(
            lambda: watcher.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [holder_pid]
            ).fetchone(),
            timeout=90,
            what="the worker to reach the end of its merge transaction",
        )
        assert query.startswith('UPDATE "imports_importbatch"'), query
        wrote = watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND relation = 'attendance_dailyrecord'::regclass "
            "AND mode = 'RowExclusiveLock'",
            [backend],
        ).fetchone()[0]
        assert wrote == 1, "the worker had written daily records in its open transaction"

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        holder.rollback()  # release the batch row; the orphaned backend finds its client gone
        wait_for(
            lambda: (
                not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()
            ),
            timeout=30,
            what="the killed worker's database session to end",
        )
        assert DailyRecord.objects.count() == 0
        assert ImportItem.objects.count() == 0
        assert ImportBatch.objects.get(pk=batch_id).status == "pending"
        assert OperationLog.objects.filter(action="imports.batch.commit").count() == 0

        # A new worker (short visibility timeout, so Redis hands back the unacknowledged task) finishes it.
        # (and a sweep for such tasks every second instead of kombu's 100 s, in case the task was not yet
        # a second old when the worker started)
        quick = {
            "CELERY_VISIBILITY_TIMEOUT": "1",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        }
        second = _worker({**env, **quick}, "second", tmp_path / "second.log")
        workers.append(second)
        wait_for(
            lambda: ImportJob.objects.get(pk=job_id).status in {"completed", "failed"},
            timeout=120,
            what="the redelivered task to finish the batch",
            interval=0.25,
        )
        job = ImportJob.objects.get(pk=job_id)
        assert job.status == "completed", (tmp_path / "second.log").read_text()
        assert job.attempts == 2
        batch = ImportBatch.objects.get(pk=batch_id)
        assert (batch.status, batch.created_count) == ("completed", 500)
        assert DailyRecord.objects.count() == 500
        assert set(DailyRecord.objects.values_list("version", flat=True)) == {1}
        assert ImportItem.objects.count() == 500
        # The worker's audit line names the request that asked for the commit, across the redelivery.
        [entry] = OperationLog.objects.filter(action="imports.batch.commit")
        assert (entry.request_id, entry.user_agent, entry.actor_label) == (
            "req-kill-me-1",
            "bench-client/1.0",
            "ivan",
        )
    finally:
        holder.close()
        watcher.close()
        for worker in workers:
            _stop(worker)
        celery_app.conf.task_always_eager = eager


def _commit_while_another_writes(importer, token: str, key: str, statement: str, params: list) -> tuple:
    """Commit `token` while another connection has run `statement` (a punch writing a day of the file) and
    not committed yet: the merge waits for it, then it commits. Returns the commit's (status, body)."""
    db = connection.settings_dict
    dsn = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    punch = psycopg.connect(dsn, autocommit=False)
    watcher = psycopg.connect(dsn, autocommit=True)
    answers: list = []

    def commit():
        client = APIClient()
        client.force_login(importer.user)
        try:
            response = client.post(
                "/api/attendance/import/commit", {"commitToken": token, "idempotencyKey": key}, format="json"
            )
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    try:
        punch.execute(statement, params)
        thread = threading.Thread(target=commit)
        thread.start()
        # The merge statement waits for the punch's transaction to end.
        wait_for(
            lambda: watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND wait_event = 'transactionid' AND query LIKE %s",
                ["%WITH old AS%"],
            ).fetchone()[0],
            timeout=60,
            what="the merge waiting on the punch",
        )
        punch.commit()
        thread.join(timeout=60)
    finally:
        punch.close()
        watcher.close()
    assert len(answers) == 1
    return answers[0]


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_record_created_while_the_merge_inserts_is_merged_again_and_rolls_back_to_it(
    imports, importer, workforce
):
    """New rows are merged with a plain INSERT (no ON CONFLICT): a record someone else creates for one of
    them after the merge read the old rows fails that INSERT, and the commit merges again, so the record is
    updated (with its snapshot) instead of lost or duplicated."""
    token = imports.prepare(imports.upload(perf_file(members=2, days=1))).json()["commitToken"]
    member = workforce[0]
    status, batch = _commit_while_another_writes(
        importer, token, "race",
        "INSERT INTO attendance_dailyrecord (organization_id, member_id, work_date, first_in_at, last_out_at,"
        " worked_minutes, late_minutes, early_leave_minutes, status, note, approval_text, source, version,"
        " created_at, updated_at) VALUES (%s, %s, '2026-01-01', '2026-01-01 01:00+00', NULL, 0, 0, 0,"
        " 'partial', '', '', 'punch', 1, now(), now())",
        [member.organization_id, member.pk],
    )  # fmt: skip
    assert status == 200 and batch["status"] == "completed"
    assert (batch["createdCount"], batch["updatedCount"]) == (1, 1)
    record = DailyRecord.objects.get(member=member)
    assert (record.status, record.source, record.version, record.source_batch_id) == (
        "normal", "import", 2, batch["id"],
    )  # fmt: skip
    item = ImportItem.objects.get(batch_id=batch["id"], member_id=member.pk)
    assert (item.outcome, item.prev_status, item.prev_source, item.prev_version) == (
        "updated", "partial", "punch", 1,
    )  # fmt: skip
    # The rollback puts the punch's record back and deletes the one the batch created.
    assert imports.rollback(batch["id"]).status_code == 200
    record.refresh_from_db()
    assert (record.status, record.source, record.version) == ("partial", "punch", 1)
    assert DailyRecord.objects.count() == 1


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_record_changed_while_the_merge_updates_is_merged_again_and_rolls_back_to_it(
    imports, importer, workforce
):
    """Changed records are updated by id while their version is the one the merge read: a record someone
    else changes meanwhile is left out of that UPDATE, and the commit merges again from its new values."""
    first = imports.import_text(perf_file(members=2, days=1), key="first").json()
    assert first["createdCount"] == 2
    changed = perf_file(members=2, days=1).replace("18:00", "18:30")
    token = imports.prepare(imports.upload(changed)).json()["commitToken"]
    member = workforce[0]
    status, batch = _commit_while_another_writes(
        importer, token, "race",
        "UPDATE attendance_dailyrecord SET status = 'late', source = 'punch', source_batch_id = NULL,"
        " version = version + 1 WHERE member_id = %s",
        [member.pk],
    )  # fmt: skip
    assert status == 200 and batch["status"] == "completed"
    assert (batch["createdCount"], batch["updatedCount"], batch["unchangedCount"]) == (0, 2, 0)
    record = DailyRecord.objects.get(member=member)
    assert (record.status, record.version, record.source_batch_id) == ("normal", 3, batch["id"])
    assert record.last_out_at.isoformat().endswith("10:30:00+00:00")
    item = ImportItem.objects.get(batch_id=batch["id"], member_id=member.pk)
    assert (item.prev_status, item.prev_source, item.prev_version, item.version_after) == (
        "late", "punch", 2, 3,
    )  # fmt: skip
    assert imports.rollback(batch["id"]).status_code == 200
    record.refresh_from_db()
    assert (record.status, record.source, record.version) == ("late", "punch", 2)
