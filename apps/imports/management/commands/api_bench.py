"""The morning rush: the API under many clients at once, as deployed (make bench-api).

    python manage.py api_bench [--members 10000] [--duration 10] [--concurrency 50,200] [--import-rows 100000]

Needs PostgreSQL (DATABASE_URL), Redis (REDIS_URL) and wrk (/usr/bin/wrk). It seeds a fresh organization
(`rush-<run>`: N members each with an API token, approvers with pending requests, importers, a month of
records for some members), starts gunicorn with deploy/gunicorn.conf.py and production settings, a Celery
worker with beat (the audit sealer, the import job), and drives each path with wrk from a separate process
for a bounded time at each concurrency: floor (GET /healthz, a bare view on the same gunicorn), clockIn
(POST /api/attendance/punches, a different member and a unique Idempotency-Key each), records (a month of
one employee), inbox (the approver's pending corrections), export (records export of one employee's month),
then clockIn again while an import commit of --import-rows rows runs. Afterwards it checks that every punch
answered 201 is stored exactly once, that the audit entries are all sealed and `audit_verify` passes, and
writes output/perf/api.json (see docs/deploy.md, "Sizing").
"""

import json
import math
import os
import threading
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from apps.attendance.models import Punch
from apps.audit.models import OperationLog, chain_key
from apps.imports.api_bench import runner
from apps.imports.api_bench.seed import seed
from apps.imports.bench import DAYS, write_file

PATHS = ("floor", "clockIn", "records", "inbox", "export")
PUNCHES = "/api/attendance/punches"
TARGETS = {
    "clockIn": {"rps": 400, "p99Ms": 150},
    "records": {"rps": 300, "p99Ms": 200},
    "at200": {"p99Ms": 1000},
    "clockInWithImport": {"p99Ms": 300},
}


class Command(BaseCommand):
    help = "Benchmark the API under concurrent clients through gunicorn as deployed (PostgreSQL, Redis, wrk)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=10_000)
        parser.add_argument("--approvers", type=int, default=100)
        parser.add_argument("--importers", type=int, default=200)
        parser.add_argument("--record-members", type=int, default=1000)
        parser.add_argument("--duration", type=float, default=10.0, help="Seconds per path and concurrency.")
        parser.add_argument("--concurrency", default="50,200")
        parser.add_argument("--import-rows", type=int, default=100_000)
        parser.add_argument(
            "--workers", type=int, default=None, help="GUNICORN_WORKERS (default: as deployed)"
        )
        parser.add_argument(
            "--threads", type=int, default=None, help="GUNICORN_THREADS (default: as deployed)"
        )
        parser.add_argument("--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE for the servers.")
        parser.add_argument("--output", default=str(settings.BASE_DIR / "output" / "perf" / "api.json"))

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("api_bench measures the deployed stack: set DATABASE_URL=postgres://...")
        if not settings.REDIS_URL:
            raise CommandError(
                "api_bench needs Redis (the broker of the sealer and the import): set REDIS_URL"
            )
        if not Path(runner.WRK).exists():
            raise CommandError(
                f"api_bench drives the load with wrk: install it ({runner.WRK}, apt-get install wrk)"
            )
        levels = [int(part) for part in options["concurrency"].split(",") if part.strip()]
        if not levels or min(levels) < 1 or options["duration"] <= 0 or options["members"] < 2:
            raise CommandError("VALIDATION_ERROR: --concurrency, --duration and --members must be positive")
        output = Path(options["output"])
        workdir = output.parent / "api-bench"
        run = timezone.now().strftime("%m%d%H%M%S")
        load_at_start = [round(value, 1) for value in os.getloadavg()]

        started = time.perf_counter()
        seeded = seed(
            run=run,
            members=options["members"],
            approvers=min(options["approvers"], options["members"]),
            importers=options["importers"],
            record_members=min(options["record_members"], options["members"]),
        )
        seed_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {seeded.organization.slug}: {options['members']:,} members in {seed_seconds:.1f} s"
        )
        rows = options["import_rows"]
        import_file = workdir / f"rush-import-{rows}.csv"
        workdir.mkdir(parents=True, exist_ok=True)
        if rows:
            write_file(import_file, rows, min(math.ceil(rows / DAYS), options["members"]), check_out="18:00")

        env_workers = options["workers"] or int(
            os.environ.get("GUNICORN_WORKERS", len(os.sched_getaffinity(0)) + 1)
        )
        env_threads = options["threads"] or int(os.environ.get("GUNICORN_THREADS", 4))
        servers = runner.start_servers(
            workers=env_workers,
            threads=env_threads,
            conn_max_age=options["conn_max_age"],
            logs=workdir / "logs",
        )
        try:
            targets = self._targets(seeded)
            # Every worker loads its code and opens its connections first; the warm-up punches count too.
            self.warm = [
                self._wrk(servers, path, targets, 4, min(2, options["duration"]), f"rush{run}warm{path}")
                for path in PATHS
            ]
            results = {}
            for level in levels:
                results[level] = {
                    path: self._wrk(
                        servers, path, targets, level, options["duration"], f"rush{run}c{level}{path}"
                    )
                    for path in PATHS
                }
                self._ratios(results[level])
                self._print(level, results[level])
            alongside = (
                self._with_import(servers, seeded, targets, import_file, rows, levels[0], options, run)
                if rows
                else None
            )
            # gunicorn finishes the requests wrk left in flight; then the beat sealer must catch up on its own.
            servers.stop_web()
            stopped = time.perf_counter()
            sealed = runner.wait_until(
                lambda: not OperationLog.objects.filter(sequence__isnull=True).exists(), timeout=120
            )
            self.seal_lag_ms = round((time.perf_counter() - stopped) * 1000)
        finally:
            servers.stop()
        checks = self._checks(seeded, run, results, alongside, sealed)
        summary = self._summary(options, levels, results, alongside, checks, seed_seconds, load_at_start,
                                env_workers, env_threads)  # fmt: skip
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(json.dumps({"checks": checks, "targets": summary["targets"]}, indent=2))
        self.stdout.write(f"Wrote {output}")
        if not checks["ok"]:
            raise CommandError("API_BENCH_CHECK_FAILED: " + json.dumps(checks))

    # --- the load ---------------------------------------------------------------------------------
    def _targets(self, seeded) -> dict[str, tuple[str, list[str]]]:
        start, end = seeded.month
        month = f"from={start.isoformat()}&to={end.isoformat()}"
        return {
            "floor": ("get", [f"{seeded.employee_tokens[0]} /healthz"]),
            "clockIn": ("punch", [f"{token} {PUNCHES}" for token in seeded.employee_tokens]),
            "records": (
                "get",
                [f"{token} /api/attendance/records?{month}" for token in seeded.record_tokens],
            ),
            "inbox": (
                "get",
                [
                    f"{token} /api/attendance/adjustments?scope=team&status=pending"
                    for token in seeded.approver_tokens
                ],
            ),
            "export": (
                "get",
                [
                    f"{token} /api/attendance/records/export.csv?{month}&member={member}"
                    for token, member in zip(
                        seeded.importer_tokens,
                        (seeded.record_member_ids * len(seeded.importer_tokens))[
                            : len(seeded.importer_tokens)
                        ],
                        strict=True,
                    )
                ],
            ),
        }

    def _wrk(self, servers, path: str, targets, connections: int, duration: float, prefix: str) -> dict:
        mode, lines = targets[path]
        return runner.run_wrk(
            port=servers.port,
            mode=mode,
            targets=lines,
            connections=connections,
            duration=duration,
            key_prefix=prefix,
            workdir=servers.logs.parent,
            cpu_probe=lambda: runner.server_cpu_seconds(
                servers.web.pid, settings.DATABASES["default"]["NAME"]
            ),
        )

    def _with_import(self, servers, seeded, targets, import_file, rows, level, options, run) -> dict:
        client = runner.BenchClient(servers.port, seeded.importer_tokens[-1])
        upload_id = client.upload(import_file)["id"]
        token = client.post("/prepare", {"uploadId": upload_id})["commitToken"]
        job: dict = {}

        def commit() -> None:
            began = time.perf_counter()
            answer = client.post("/commit", {"commitToken": token, "idempotencyKey": f"rush{run}-import"})
            if answer["_status"] == 202:
                client.wait_job(answer["job"]["id"])
                answer = client.get(f"/batches/{answer['batch']['id']}")
            job.update(status=answer.get("status"), created=answer.get("createdCount"))
            job["commitMs"] = round((time.perf_counter() - began) * 1000)

        committer = threading.Thread(target=commit, daemon=True)
        began = time.perf_counter()
        committer.start()
        result = self._wrk(servers, "clockIn", targets, level, options["duration"], f"rush{run}import")
        punches_ms = (time.perf_counter() - began) * 1000
        committer.join(timeout=600)
        result["import"] = {
            **job,
            "rows": rows,
            "overlapFraction": round(min(1.0, job.get("commitMs", 0) / punches_ms), 2),
        }
        self.stdout.write(f"clockIn with a {rows:,}-row import: {json.dumps(result)}")
        return result

    @staticmethod
    def _ratios(level_results: dict) -> None:
        floor = level_results["floor"]["rps"] or 1
        for result in level_results.values():
            result["ratioToFloor"] = round(result["rps"] / floor, 3)

    def _print(self, level: int, level_results: dict) -> None:
        self.stdout.write(f"{level} clients:")
        for path, r in level_results.items():
            self.stdout.write(
                f"  {path:<8} {r['rps']:>8.1f} req/s  p50 {r['p50Ms']:>7.1f}  p95 {r['p95Ms']:>7.1f}  "
                f"p99 {r['p99Ms']:>7.1f} ms  errors {r['errors']}  ratio {r['ratioToFloor']}  "
                f"cpu/request {r.get('cpuMsPerRequest', {}).get('web', '-')} ms web + "
                f"{r.get('cpuMsPerRequest', {}).get('database', '-')} ms db  load {r['loadAverage1m']}"
            )

    # --- the checks -------------------------------------------------------------------------------
    def _checks(self, seeded, run, results, alongside, sealed) -> dict:
        runs = [r["clockIn"] for r in results.values()] + [self.warm[1]] + ([alongside] if alongside else [])
        answered = sum(r["created"] for r in runs)
        sent = sum(r["sent"] for r in runs)
        # The organization is new: every punch in it came from this run's clients.
        punches = Punch.objects.filter(organization=seeded.organization)
        stored = punches.count()
        duplicates = punches.values("idempotency_key").distinct().count() != stored
        out = StringIO()
        try:
            call_command("audit_verify", stdout=out)
            verified = True
        except CommandError as error:
            out.write(str(error))
            verified = False
        chain = chain_key(seeded.organization.pk)
        audited = OperationLog.objects.filter(chain=chain, action="attendance.punch.create").count()
        ok = not duplicates and answered <= stored <= sent and audited == stored and sealed and verified
        return {
            "ok": ok,
            "punchesAnswered201": answered,
            "punchesSent": sent,
            "punchesStored": stored,
            "duplicateKeys": duplicates,
            "punchAuditEntries": audited,
            "allSealed": sealed,
            "sealedWithinMsAfterLastWrite": self.seal_lag_ms,
            "auditVerify": verified,
            "auditVerifyOutput": out.getvalue().strip().splitlines()[-3:],
        }

    def _summary(
        self, options, levels, results, alongside, checks, seed_seconds, load_at_start, workers, threads
    ):
        first = results[levels[0]]
        top = results[levels[-1]]
        met = {
            "clockIn": first["clockIn"]["rps"] >= TARGETS["clockIn"]["rps"]
            and first["clockIn"]["p99Ms"] < TARGETS["clockIn"]["p99Ms"]
            and first["clockIn"]["errors"] == 0,
            "records": first["records"]["rps"] >= TARGETS["records"]["rps"]
            and first["records"]["p99Ms"] < TARGETS["records"]["p99Ms"],
            "at200": all(r["errors"] == 0 and r["p99Ms"] < TARGETS["at200"]["p99Ms"] for r in top.values()),
            "clockInWithImport": bool(alongside)
            and alongside["p99Ms"] < TARGETS["clockInWithImport"]["p99Ms"],
        }
        return {
            **first,
            "concurrency": levels[0],
            "runs": [{"concurrency": level, **results[level]} for level in levels],
            "clockInWithImport": alongside,
            "checks": checks,
            "targets": {"wanted": TARGETS, "met": met},
            "setup": {
                "members": options["members"],
                "durationSeconds": options["duration"],
                "seedSeconds": round(seed_seconds, 1),
                "gunicorn": {"workers": workers, "threads": threads, "config": "deploy/gunicorn.conf.py"},
                "dbConnMaxAge": options["conn_max_age"],
                "auditSealing": "background",
                "cpus": len(os.sched_getaffinity(0)),
                "loadAverageAtStart": load_at_start,
                "loadAverageAtEnd": [round(value, 1) for value in os.getloadavg()],
            },
        }
