"""Benchmark the import pipeline the way a client uses it, through the real HTTP API.

    python manage.py import_bench --rows 500000

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). It starts gunicorn (2 workers) on 127.0.0.1 and a
Celery worker (solo pool), generates the standard perf file (日期,UserId,考勤组,上班1打卡时间,下班1打卡时间,
考勤结果; 180 days from 2026-01-01; ceil(N/180) users), creates the members in an organization of its own
("perf-bench", emptied first), then times: upload, preview (with job polling), commit (prepare + commit +
polling), export, a second commit of the same file (every row unchanged), a commit of a changed file
(every row an update), rollback of that update batch, rollback of the first batch (every row deleted) and
a commit of the same rows from a fresh upload that was never previewed (the commit validates the file
itself; commitMs merges the rows the preview kept).
It also times the floor, a bare COPY of the same file into an unlogged table, reports every figure as a
ratio to it, reads the peak memory (VmHWM) of the web and worker processes, and writes
output/perf/perf-summary.json.
"""

import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.access import roles
from apps.access.models import Membership, Organization
from apps.access.services import token_create
from apps.attendance.models import DailyRecord
from apps.imports.models import ImportBatch
from apps.imports.statistics import STATISTICS_TABLES

ORG_SLUG = "perf-bench"
DAYS = 180
START = date(2026, 1, 1)
HEADER = "日期,UserId,考勤组,上班1打卡时间,下班1打卡时间,考勤结果\n"
TARGETS_500K = {"previewMs": 4000, "commitMs": 12000, "exportMs": 2000, "rollbackMs": 4000, "peakMb": 300}
BASELINE_500K = {"previewMs": 16300, "commitMs": 463800, "exportMs": 14500, "rollbackMs": 6600}
BASELINE_10K_COMMIT_MS = 60700
# Other sessions of this database at work: the worker, gunicorn, autovacuum (not the idle ones, not us).
_BUSY = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
)


class Command(BaseCommand):
    help = "Benchmark upload/preview/commit/export/rollback through the HTTP API (PostgreSQL + Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "output" / "perf"))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, rows: int, output: str, web_workers: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("import_bench measures the PostgreSQL path: set DATABASE_URL=postgres://...")
        if not settings.REDIS_URL:
            raise CommandError("import_bench needs a real Celery worker: set REDIS_URL=redis://...")
        if rows < 1 or rows > settings.IMPORT_MAX_ROWS:
            raise CommandError(f"--rows must be 1..{settings.IMPORT_MAX_ROWS}")
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        users = math.ceil(rows / DAYS)
        load_at_start = [round(value, 1) for value in os.getloadavg()]
        self.stdout.write(f"Preparing {rows:,} rows for {users:,} members ...")
        raw_token = self._setup(users)
        plain = out / f"perf-{rows}.csv"
        changed = out / f"perf-{rows}-changed.csv"
        _write_file(plain, rows, users, check_out="18:00")
        _write_file(changed, rows, users, check_out="18:30")
        self._vacuum()
        floor_ms = self._floor(plain)
        self.stdout.write(f"Floor (bare COPY into an unlogged table): {floor_ms:.0f} ms")

        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_ENV": "development",
            "DEBUG": "false",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LOG_LEVEL": "WARNING",
            # A queue of its own: another worker on the same Redis must not take the benchmark's jobs.
            "CELERY_TASK_DEFAULT_QUEUE": f"import-bench-{os.getpid()}",
            # Several runs a minute (one run commits four times) measure speed, not the rate limits.
            "RATE_LIMITS": ",".join(
                f"{group}=6000/m"
                for group in ("import_upload", "import_prepare", "import_preview", "import_commit", "export")
            ),
        }
        bin_dir = Path(sys.executable).parent
        web = subprocess.Popen(  # noqa: S603 - our own executables, fixed arguments
            [str(bin_dir / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(web_workers),
             "--timeout", "900", "--log-level", "warning"],
            cwd=settings.BASE_DIR, env=env,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "bench@%h"],
            cwd=settings.BASE_DIR, env=env,
        )  # fmt: skip
        try:
            client = ApiClient(port, raw_token)
            client.wait_ready()
            for _ in range(4 * web_workers):  # load the URLconf and views in every web worker first
                client.get("/template")
            self.settled: dict[str, float] = {}
            self.broker = redis.Redis.from_url(settings.REDIS_URL)
            self.queue = env["CELERY_TASK_DEFAULT_QUEUE"]
            figures = self._run(client, plain, changed, rows)
            web_peak = max(_peak_mb(pid) for pid in [web.pid, *_children(web.pid)])
            worker_peak = _peak_mb(worker.pid)
        finally:
            for process in (web, worker):
                process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        summary = {
            "rows": rows,
            "users": users,
            "days": DAYS,
            "fileBytes": plain.stat().st_size,
            "floorMs": round(floor_ms),
            **{key: round(value) for key, value in figures.items()},
            "ratios": {key: round(value / floor_ms, 2) for key, value in figures.items()},
            "peakMemoryMb": {"web": round(web_peak, 1), "worker": round(worker_peak, 1)},
            "settledMs": {key: round(value) for key, value in self.settled.items()},
            "targets": TARGETS_500K if rows >= 500_000 else ({"commitMs": 500} if rows <= 10_000 else {}),
            "previousSystem": BASELINE_500K if rows >= 500_000 else (
                {"commitMs": BASELINE_10K_COMMIT_MS} if rows == 10_000 else {}
            ),
            "machine": {
                "cpus": os.cpu_count(),
                "webWorkers": web_workers,
                "celeryPool": "solo",
                # Other work on the machine slows every figure, the floor included: read ratios with it.
                "loadAverageAtStart": load_at_start,
                "loadAverageAtEnd": [round(value, 1) for value in os.getloadavg()],
            },
        }  # fmt: skip
        path = out / "perf-summary.json"
        path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (out / f"perf-summary-{rows}.json").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        self.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False))
        self.stdout.write(f"Wrote {path}")

    # --- setup -----------------------------------------------------------------------------------
    def _setup(self, users: int) -> str:
        from django.contrib.auth.models import Group

        user_model = get_user_model()
        with transaction.atomic():
            organization, _ = Organization.objects.get_or_create(
                slug=ORG_SLUG, defaults={"name": "Perf bench", "timezone": "Asia/Shanghai"}
            )
            DailyRecord.objects.filter(organization=organization).delete()
            ImportBatch.objects.filter(organization=organization).delete()
            importer_user, _ = user_model.objects.get_or_create(username="perf-importer")
            importer, _ = Membership.objects.get_or_create(
                user=importer_user, organization=organization, defaults={"display_name": "Perf importer"}
            )
            importer.roles.set(Group.objects.filter(name=roles.IMPORTER))
            existing = set(
                Membership.objects.for_org(organization)
                .exclude(external_id="")
                .values_list("external_id", flat=True)
            )
            wanted = [f"u{index:04d}" for index in range(1, users + 1)]
            missing = [uid for uid in wanted if uid not in existing]
            if missing:
                user_model.objects.bulk_create(
                    [user_model(username=f"perf-{uid}") for uid in missing],
                    ignore_conflicts=True,
                    batch_size=2000,
                )
                by_name = dict(
                    user_model.objects.filter(username__in=[f"perf-{uid}" for uid in missing]).values_list(
                        "username", "id"
                    )
                )
                Membership.objects.bulk_create(
                    [
                        Membership(
                            user_id=by_name[f"perf-{uid}"],
                            organization=organization,
                            external_id=uid,
                            employee_no=f"P{uid[1:]}",
                            display_name=f"Perf {uid}",
                        )
                        for uid in missing
                    ],
                    batch_size=2000,
                )
        return token_create(
            user=importer_user, organization=organization, name="import_bench", expires_days=1
        ).raw

    def _settled(self, figure: str, timeout: float = 120) -> float:
        """Wait until the benchmark's queue is empty and no other session of its database is busy, twice in
        a row a quarter of a second apart, then return the start time of `figure`. After a large commit the
        worker analyses the tables, after a large rollback it vacuums them, and autovacuum processes what was
        written; timing the next step while they run measured their work too (an export right after the
        500,000-row commit took 3.6-4.2 s, on its own 1.9-2.3 s). The queue is read too because a task just
        queued has no database session yet. How long each step waited is reported as `settledMs`."""
        waited = time.perf_counter()
        deadline = time.monotonic() + timeout
        quiet = 0
        with connection.cursor() as cursor:
            while quiet < 2 and time.monotonic() < deadline:
                cursor.execute(_BUSY)
                busy = cursor.fetchone()[0] or self.broker.llen(self.queue)
                quiet = 0 if busy else quiet + 1
                time.sleep(0.25 if quiet else 0.1)
        started = time.perf_counter()
        self.settled[figure] = _ms(waited)
        return started

    def _vacuum(self) -> None:
        """Start every run from the same state: what earlier runs deleted is vacuumed away (autovacuum
        would get there on its own schedule, which would otherwise decide the figures) and the tables
        have fresh statistics."""
        with connection.cursor() as cursor:
            for table in STATISTICS_TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table}")

    def _floor(self, path: Path) -> float:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_bench_floor")
            cursor.execute(
                "CREATE UNLOGGED TABLE import_bench_floor "
                "(work_date date, user_id text, grp text, check_in text, check_out text, status text)"
            )
            started = time.perf_counter()
            with (
                path.open("rb") as handle,
                cursor.cursor.copy(
                    "COPY import_bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
            ):
                while chunk := handle.read(1024 * 1024):
                    copy.write(chunk)
            elapsed = (time.perf_counter() - started) * 1000
            cursor.execute("DROP TABLE import_bench_floor")
        return elapsed

    # --- the measured run -------------------------------------------------------------------------
    def _run(self, client: "ApiClient", plain: Path, changed: Path, rows: int) -> dict[str, float]:
        figures: dict[str, float] = {}
        started = self._settled("uploadMs")
        upload_id = client.upload(plain)["id"]
        figures["uploadMs"] = _ms(started)

        started = self._settled("previewMs")
        preview = client.post("/preview", {"uploadId": upload_id, "previewLimit": 20})
        if preview["_status"] == 202:
            preview = client.wait_job(preview["id"])["result"]
        figures["previewMs"] = _ms(started)
        if preview["summary"]["valid"] != rows:
            raise CommandError(f"preview found {preview['summary']} rows valid, expected {rows}")
        self.stdout.write(f"preview   {figures['previewMs']:>9.0f} ms")

        batch, figures["commitMs"] = self._commit(client, upload_id, "bench-create", "commitMs")
        if batch["createdCount"] != rows:
            raise CommandError(f"commit created {batch['createdCount']}, expected {rows}")
        self.stdout.write(f"commit    {figures['commitMs']:>9.0f} ms  (created {batch['createdCount']:,})")

        started = self._settled("exportMs")
        exported = client.download("/api/attendance/records/export.csv")
        figures["exportMs"] = _ms(started)
        if exported.count(b"\n") != rows + 1:
            raise CommandError("the export does not hold every row")
        self.stdout.write(f"export    {figures['exportMs']:>9.0f} ms  ({len(exported) / 1e6:.1f} MB)")

        same, figures["commitSameFileMs"] = self._commit(client, upload_id, "bench-same", "commitSameFileMs")
        self.stdout.write(
            f"same file {figures['commitSameFileMs']:>9.0f} ms  (unchanged {same['unchangedCount']:,})"
        )

        changed_id = client.upload(changed)["id"]
        updates, figures["commitUpdatesMs"] = self._commit(
            client, changed_id, "bench-update", "commitUpdatesMs"
        )
        if updates["updatedCount"] != rows:
            raise CommandError(f"the changed file updated {updates['updatedCount']}, expected {rows}")
        self.stdout.write(
            f"updates   {figures['commitUpdatesMs']:>9.0f} ms  (updated {updates['updatedCount']:,})"
        )

        started = self._settled("rollbackUpdatesMs")
        client.post(f"/batches/{updates['id']}/rollback", {})
        figures["rollbackUpdatesMs"] = _ms(started)
        self.stdout.write(f"rollback of the updates {figures['rollbackUpdatesMs']:>9.0f} ms")

        started = self._settled("rollbackMs")
        rolled = client.post(f"/batches/{batch['id']}/rollback", {})
        figures["rollbackMs"] = _ms(started)
        if rolled.get("status") != "rolled_back":
            raise CommandError(f"rollback failed: {rolled}")
        self.stdout.write(f"rollback  {figures['rollbackMs']:>9.0f} ms  (deleted {rows:,})")

        # The same rows again from a fresh upload that was never previewed: the commit reads and validates
        # the file itself (commitMs above merges what the preview kept).
        fresh_id = client.upload(plain)["id"]
        fresh, figures["commitWithoutPreviewMs"] = self._commit(
            client, fresh_id, "bench-cold", "commitWithoutPreviewMs"
        )
        if fresh["createdCount"] != rows:
            raise CommandError(f"the commit without preview created {fresh['createdCount']}, expected {rows}")
        self.stdout.write(f"commit without preview {figures['commitWithoutPreviewMs']:>9.0f} ms")
        return figures

    def _commit(self, client: "ApiClient", upload_id: int, key: str, figure: str) -> tuple[dict, float]:
        started = self._settled(figure)
        token = client.post("/prepare", {"uploadId": upload_id})["commitToken"]
        answer = client.post("/commit", {"commitToken": token, "idempotencyKey": f"{key}-{time.time_ns()}"})
        if answer["_status"] == 202:
            client.wait_job(answer["job"]["id"])
            answer = client.get(f"/batches/{answer['batch']['id']}")
        elapsed = _ms(started)
        if answer.get("status") != "completed":
            raise CommandError(f"commit did not complete: {answer}")
        return answer, elapsed


class ApiClient:
    base = "/api/attendance/import"

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"}

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/healthz", absolute=True)
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError("gunicorn did not start")

    def request(self, method: str, path: str, body=None, headers=None, absolute=False) -> tuple[int, bytes]:
        conn = self._connection()
        try:
            conn.request(
                method,
                path if absolute else self.base + path,
                body=body,
                headers={**self.headers, **(headers or {})},
            )
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def _json(self, status: int, data: bytes) -> dict:
        body = json.loads(data or b"{}")
        if status >= 400:
            raise CommandError(f"HTTP {status}: {body}")
        if isinstance(body, dict):
            body["_status"] = status
        return body

    def post(self, path: str, payload: dict) -> dict:
        return self._json(
            *self.request("POST", path, json.dumps(payload), {"Content-Type": "application/json"})
        )

    def get(self, path: str) -> dict:
        return self._json(*self.request("GET", path))

    def upload(self, path: Path) -> dict:
        with path.open("rb") as handle:
            headers = {"Content-Type": "text/csv", "Content-Length": str(path.stat().st_size)}
            return self._json(*self.request("POST", f"/upload?filename={path.name}", handle, headers))

    def download(self, path: str) -> bytes:
        status, data = self.request("GET", path, absolute=True)
        if status != 200:
            raise CommandError(f"HTTP {status} for {path}")
        return data

    def wait_job(self, job_id: int) -> dict:
        while True:
            job = self.get(f"/jobs/{job_id}")
            if job["status"] == "completed":
                return job
            if job["status"] in {"failed", "canceled"}:
                raise CommandError(f"job {job_id} {job['status']}: {job['errorCode']} {job['errorMessage']}")
            time.sleep(0.05)


def _write_file(path: Path, rows: int, users: int, *, check_out: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        written = 0
        for offset in range(DAYS):
            day = (START + timedelta(days=offset)).isoformat()
            lines = []
            for index in range(1, users + 1):
                if written == rows:
                    break
                lines.append(f"{day},u{index:04d},Perf Group {index % 10 + 1},09:00,{check_out},正常\n")
                written += 1
            handle.write("".join(lines))
            if written == rows:
                break


def _database_url() -> str:
    """The database this process uses (under pytest, the test database), for the servers it starts."""
    from urllib.parse import quote

    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{host}/{quote(db['NAME'], safe='')}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _peak_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever used."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
