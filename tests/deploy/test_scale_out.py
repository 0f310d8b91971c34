"""Scale-out on loopback: two gunicorn processes and two Celery workers on different queues (`imports`; and
`default` + `notifications`, config/settings.py CELERY_TASK_ROUTES) against one PostgreSQL and one Redis.
While an import commits asynchronously, clients punch from threads through both web processes, each punch
sent twice (the second time to the other process, as a client retrying after a lost answer would) with the
same Idempotency-Key: every punch lands once, the batch completes once, on the imports worker.

PostgreSQL and Redis only (skipped otherwise)."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest

from apps.access import roles
from apps.access.services import token_create
from apps.attendance.models import DailyRecord, Punch
from apps.audit.models import OperationLog
from apps.imports.models import ImportBatch, ImportJob
from tests.deploy import harness, processes

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.xdist_group("deploy_processes"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MEMBERS = 6
DAYS = 150  # 900 rows: the commit takes long enough on the worker for the punches to overlap it
PUNCHES_EACH = 8


def test_two_webs_and_two_queue_workers_land_every_punch_once_and_the_batch_once(make_member, tmp_path):
    processes.require_services()
    members = [
        make_member(f"clock{index}", roles.EMPLOYEE, employee_no=f"C{index:03d}") for index in range(MEMBERS)
    ]
    importer = make_member("loader", roles.IMPORTER)
    tokens = [token_create(user=m.user, organization=m.organization, name="scale").raw for m in members]
    import_token = token_create(user=importer.user, organization=importer.organization, name="scale").raw
    logs = tmp_path / "logs"
    logs.mkdir()
    env = processes.app_environment(tmp_path)
    services: list[harness.Service] = []
    try:
        web_a, port_a = processes.start_gunicorn("web-a", env, logs)
        web_b, port_b = processes.start_gunicorn("web-b", env, logs)
        imports_worker = processes.start_worker("imports", env, logs, queues=["imports"])
        default_worker = processes.start_worker("default", env, logs, queues=["default", "notifications"])
        services += [web_a, web_b, imports_worker, default_worker]
        for web, port in ((web_a, port_a), (web_b, port_b)):
            processes.wait_web(web, port)
        processes.wait_worker(imports_worker)
        processes.wait_worker(default_worker)

        start = date(2000, 1, 3)
        csv = "日期,工号,上班1打卡时间,下班1打卡时间\n" + "".join(
            f"{start + timedelta(days=day)},C{index:03d},09:00,18:00\n"
            for index in range(MEMBERS)
            for day in range(DAYS)
        )
        status, _, body = processes.request(
            port_a, "POST", "/api/attendance/import/upload?filename=scale.csv", token=import_token,
            body=csv.encode(), headers={"Content-Type": "text/csv"},
        )  # fmt: skip
        assert status == 201, body
        status, _, body = processes.request(
            port_b, "POST", "/api/attendance/import/prepare", token=import_token,
            body={"uploadId": json.loads(body)["id"]},
        )  # fmt: skip
        assert status == 201, body
        commit_token = json.loads(body)["commitToken"]

        answers: dict[str, list] = {}
        lock = threading.Lock()
        go = threading.Barrier(MEMBERS + 1)

        def clock(index: int) -> None:
            go.wait()
            for number in range(PUNCHES_EACH):
                key = f"scale-{index}-{number}"
                kind = "in" if number % 2 == 0 else "out"
                # The first try on one web process, the retry on the other.
                first, second = (port_a, port_b) if (index + number) % 2 else (port_b, port_a)
                for port in (first, second):
                    status, headers, body = processes.request(
                        port, "POST", "/api/attendance/punches", token=tokens[index], body={"kind": kind},
                        headers={"Idempotency-Key": key},
                    )  # fmt: skip
                    with lock:
                        answers.setdefault(key, []).append(
                            (status, json.loads(body).get("id"), headers.get("idempotent-replayed"))
                        )

        threads = [threading.Thread(target=clock, args=(index,)) for index in range(MEMBERS)]
        for thread in threads:
            thread.start()
        status, _, body = processes.request(
            port_a, "POST", "/api/attendance/import/commit", token=import_token,
            body={"commitToken": commit_token, "idempotencyKey": "scale-import", "async": True},
        )  # fmt: skip
        assert status == 202, body
        batch_id, job_id = json.loads(body)["batch"]["id"], json.loads(body)["job"]["id"]
        go.wait()  # the punches start as the job is queued
        # A client asking again for the same commit, on the other web process: the same batch.
        status, _, body = processes.request(
            port_b, "POST", "/api/attendance/import/commit", token=import_token,
            body={"commitToken": commit_token, "idempotencyKey": "scale-import", "async": True},
        )  # fmt: skip
        assert status in (200, 202), body
        again = json.loads(body)
        assert (again.get("batch") or again)["id"] == batch_id
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)

        harness.wait_for(
            lambda: ImportJob.objects.get(pk=job_id).status in {"completed", "failed"},
            timeout=60, interval=0.25, what="the imports worker to finish the job",
        )  # fmt: skip
        # A task for the default queue goes to the other worker.
        ping = processes.run_task(env, "access.diagnostics_ping", queue="default", args=("hi",))
        assert ping["pong"] == "hi"

        for service in services:
            service.assert_alive()
    finally:
        for service in reversed(services):
            service.stop()

    # Every punch once: one row per key, both answers naming it, the second a replay.
    assert len(answers) == MEMBERS * PUNCHES_EACH
    for key, pair in answers.items():
        assert [status for status, _, _ in pair] == [201, 201], (key, pair)
        assert pair[0][1] == pair[1][1], (key, pair)
        assert pair[1][2] == "true", (key, pair)
    assert Punch.objects.count() == MEMBERS * PUNCHES_EACH
    assert Punch.objects.values("idempotency_key").distinct().count() == MEMBERS * PUNCHES_EACH
    assert OperationLog.objects.filter(action="attendance.punch.create").count() == MEMBERS * PUNCHES_EACH

    # The batch once, by the imports worker only.
    job = ImportJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == ("completed", 1)
    # The punches really went on while the worker merged the batch.
    during = Punch.objects.filter(occurred_at__gte=job.started_at, occurred_at__lte=job.finished_at).count()
    assert during > 0, (
        job.started_at,
        job.finished_at,
        list(Punch.objects.values_list("occurred_at", flat=True)),
    )
    batch = ImportBatch.objects.get()
    assert (batch.pk, batch.status, batch.created_count) == (batch_id, "completed", MEMBERS * DAYS)
    assert DailyRecord.objects.filter(work_date__year=2000).count() == MEMBERS * DAYS
    assert OperationLog.objects.filter(action="imports.batch.commit").count() == 1
    # (Celery logs "Task <name>[<id>] received" in the worker that took it.)
    assert "Task imports.job_run[" in imports_worker.output()
    assert "Task imports.job_run[" not in default_worker.output()
    assert "Task access.diagnostics_ping[" in default_worker.output()
    assert "Task access.diagnostics_ping[" not in imports_worker.output()
