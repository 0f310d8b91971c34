"""Redeploys without failed requests, on loopback: a client keeps polling the API through nginx (the real
site, over TLS) while gunicorn reloads (SIGHUP: new workers, the same listening socket) and while the web
process is replaced (a new gunicorn on the upstream's second port, then the old one stopped with SIGTERM,
which finishes its requests in flight; nginx passes a refused request to the other server). The Celery
worker is replaced too (warm shutdown, then a new one). Not one request fails, both web processes served,
and an async import started before the restarts completes, once.

PostgreSQL, Redis and nginx only (skipped otherwise)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import ssl
import threading
from datetime import date, timedelta

import pytest

from apps.access import roles
from apps.access.services import token_create
from apps.imports.models import ImportBatch, ImportJob
from tests.deploy import harness, processes

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.xdist_group("deploy_processes"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MEMBERS, DAYS = 10, 300  # 3,000 rows: the job still runs while the web process is replaced


class Poller(threading.Thread):
    """GET the records list through nginx over and over, each request on a fresh TLS connection with its
    own request id; every answer that is not a 200 with the list, and every error, is a failure."""

    def __init__(self, port: int, cafile: str, token: str):
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.context = ssl.create_default_context(cafile=cafile)
        self.stopping = threading.Event()
        self.answers: list[tuple[str, int | str]] = []

    def run(self):
        number = 0
        while not self.stopping.is_set():
            number += 1
            request_id = f"poll-{number:05d}"
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30)
            try:
                connection.request(
                    "GET",
                    "/api/attendance/records?from=2000-01-03&to=2000-01-09",
                    headers={"Authorization": f"Bearer {self.token}", "X-Request-ID": request_id},
                )
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and "results" in json.loads(body)
                self.answers.append(
                    (request_id, response.status if ok else f"{response.status} {body[:200]!r}")
                )
            except Exception as error:  # a reset or refused connection is a failed request too
                self.answers.append((request_id, f"{type(error).__name__}: {error}"))
            finally:
                connection.close()

    def served_after(self, count: int, *, timeout: float = 30) -> None:
        """Wait until `count` more answers came back (the poll goes on meanwhile)."""
        target = len(self.answers) + count
        harness.wait_for(lambda: len(self.answers) >= target, timeout=timeout, what=f"{count} more polls")

    def failures(self) -> list:
        return [answer for answer in self.answers if answer[1] != 200]


def _served_ids(service: harness.Service) -> set[str]:
    ids = set()
    for line in service.output().splitlines():
        if line.startswith("{") and '"poll-' in line:
            record = json.loads(line)
            if record.get("logger") == "timeledger.request":
                ids.add(record["request_id"])
    return ids


def test_reload_and_replacement_fail_no_request_and_the_import_completes(
    make_member, tmp_path, nginx_binary, tls_pair
):
    processes.require_services()
    for index in range(MEMBERS):
        make_member(f"r{index}", roles.EMPLOYEE, employee_no=f"R{index:03d}")
    importer = make_member("deployer", roles.IMPORTER, roles.ADMIN)
    token = token_create(user=importer.user, organization=importer.organization, name="redeploy").raw
    logs = tmp_path / "logs"
    logs.mkdir()
    env = processes.app_environment(tmp_path)
    old_port, new_port = harness.free_port(), harness.free_port()
    services: dict[str, harness.Service] = {}
    poller = None
    try:
        services["old web"], _ = processes.start_gunicorn("web-old", env, logs, port=old_port, workers=2)
        services["old worker"] = processes.start_worker("worker-old", env, logs)
        cert, key = tls_pair
        prefix = harness.build_nginx_prefix(
            tmp_path / "nginx", cert=cert, key=key, upstream_port=old_port, spare_port=new_port
        )
        services["nginx"] = harness.start("nginx", prefix.command("-g", "daemon off;"), env=env, logs=logs)
        processes.wait_web(services["old web"], old_port)
        processes.wait_worker(services["old worker"])

        # The async import, started before anything restarts.
        start = date(2000, 1, 3)
        csv = "日期,工号,上班1打卡时间,下班1打卡时间\n" + "".join(
            f"{start + timedelta(days=day)},R{index:03d},09:00,18:00\n"
            for index in range(MEMBERS)
            for day in range(DAYS)
        )
        status, _, body = processes.request(
            old_port, "POST", "/api/attendance/import/upload?filename=r.csv", token=token, body=csv.encode(),
            headers={"Content-Type": "text/csv"},
        )  # fmt: skip
        assert status == 201, body
        status, _, body = processes.request(
            old_port,
            "POST",
            "/api/attendance/import/prepare",
            token=token,
            body={"uploadId": json.loads(body)["id"]},
        )
        assert status == 201, body
        commit_token = json.loads(body)["commitToken"]

        poller = Poller(prefix.https_port, str(cert), token)
        poller.start()
        poller.served_after(5)
        status, _, body = processes.request(
            old_port, "POST", "/api/attendance/import/commit", token=token,
            body={"commitToken": commit_token, "idempotencyKey": "redeploy-import", "async": True},
        )  # fmt: skip
        assert status == 202, body
        job_id = json.loads(body)["job"]["id"]

        # 1. Reload: SIGHUP to the master; new workers, old ones finish what they serve.
        old_web = services["old web"]
        workers_before = set(_children(old_web.process.pid))
        os.kill(old_web.process.pid, signal.SIGHUP)
        harness.wait_for(
            lambda: len(set(_children(old_web.process.pid)) - workers_before) == 2
            and not (set(_children(old_web.process.pid)) & workers_before),
            timeout=60, interval=0.2, what="gunicorn to replace both workers after SIGHUP",
        )  # fmt: skip
        poller.served_after(5)

        # 2. Replace the web process: the new one on the upstream's second port, ready; then the old one
        # stopped gracefully. And the worker: a new one, then the old one's warm shutdown.
        services["new web"], _ = processes.start_gunicorn("web-new", env, logs, port=new_port, workers=2)
        processes.wait_web(services["new web"], new_port)
        services["new worker"] = processes.start_worker("worker-new", env, logs)
        processes.wait_worker(services["new worker"])
        poller.served_after(5)
        os.kill(old_web.process.pid, signal.SIGTERM)
        old_web.process.wait(timeout=60)
        assert old_web.process.returncode == 0, old_web.output()[-3000:]
        os.kill(services["old worker"].process.pid, signal.SIGTERM)
        services["old worker"].process.wait(timeout=120)
        poller.served_after(20)

        harness.wait_for(
            lambda: ImportJob.objects.get(pk=job_id).status in {"completed", "failed"},
            timeout=90, interval=0.25, what="the import job to finish",
        )  # fmt: skip
        poller.served_after(3)
    finally:
        if poller is not None:
            poller.stopping.set()
            poller.join(timeout=40)
        for service in reversed(services.values()):
            service.stop()

    assert len(poller.answers) > 40
    assert poller.failures() == [], poller.failures()[:5]
    # Both web processes answered polls: the replacement really took over.
    assert _served_ids(services["old web"]) and _served_ids(services["new web"])
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == "completed", job.error_code
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count) == ("completed", MEMBERS * DAYS)


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    return [int(child) for child in open(path).read().split()] if os.path.exists(path) else []
