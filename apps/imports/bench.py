"""What `import_bench` is made of besides its measured run: the perf file, the benchmark organization and
its members, the floor (a bare COPY), an HTTP client of the import API, and process figures (peak memory,
children). See docs/imports.md, "Benchmark"."""

import http.client
import json
import socket
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import connection, transaction

from apps.access import roles
from apps.access.models import Membership, Organization
from apps.access.services import token_create
from apps.attendance import records_sql
from apps.attendance.models import DailyRecord
from apps.imports.models import ImportBatch
from apps.imports.statistics import STATISTICS_TABLES

ORG_SLUG = "perf-bench"
DAYS = 180
START = date(2026, 1, 1)
HEADER = "日期,UserId,考勤组,上班1打卡时间,下班1打卡时间,考勤结果\n"


def bench_setup(users: int) -> str:
    """The organization `perf-bench` with `users` members (created once) and no records or batches left
    from an earlier run; returns a bearer token of its importer."""
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


def bench_vacuum() -> None:
    """Start every run from the same state: what earlier runs deleted is vacuumed away (autovacuum
    would get there on its own schedule, which would otherwise decide the figures) and the tables
    have fresh statistics."""
    with connection.cursor() as cursor:
        for table in STATISTICS_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def bench_clear_records(organization_id: int) -> None:
    """Delete the organization's records (what the baseline script wrote) with one statement."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {records_sql.TABLE} WHERE organization_id = %s", [organization_id])  # noqa: S608


# Every column an import sets, in a stable order; not the batch or the timestamps.
_FINGERPRINT = """
SELECT md5(string_agg(concat_ws('|', member_id, work_date, first_in_at, last_out_at, worked_minutes,
    late_minutes, early_leave_minutes, status, note, approval_text, leave_minutes, overtime_minutes, source),
    ',' ORDER BY member_id, work_date)), count(*)
FROM {table} WHERE organization_id = %s
"""


def records_fingerprint(organization_id: int) -> tuple[str, int]:
    """A digest of the organization's records as an import sets them: the product and the baseline
    script must write the same ones."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_FINGERPRINT.format(table=records_sql.TABLE), [organization_id])
        return tuple(cursor.fetchone())


def bench_floor(path: Path) -> float:
    """Milliseconds of a bare COPY of the file into an unlogged table: what every figure is compared with."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_bench_floor")
        cursor.execute(
            "CREATE UNLOGGED TABLE import_bench_floor "
            "(work_date date, user_id text, grp text, check_in text, check_out text, status text)"
        )
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.cursor.copy("COPY import_bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1024 * 1024):
                copy.write(chunk)
        elapsed = (time.perf_counter() - started) * 1000
        cursor.execute("DROP TABLE import_bench_floor")
    return elapsed


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


def write_file(path: Path, rows: int, users: int, *, check_out: str) -> None:
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


def database_url() -> str:
    """The database this process uses (under pytest, the test database), for the servers it starts."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{host}/{quote(db['NAME'], safe='')}"


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def peak_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever used."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
