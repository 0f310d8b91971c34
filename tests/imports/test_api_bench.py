"""`manage.py api_bench` (make bench-api) runs end to end at a tiny size so that it cannot rot: gunicorn with
deploy/gunicorn.conf.py and production settings, a Celery worker with beat sealing the audit log, wrk, the
import alongside the punches, the checks and output/perf/api.json. The figures themselves are not judged here
(speed targets belong to the benchmark, not to tests)."""

import json
import shutil
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from apps.attendance.models import Punch

needs_services = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    or not django_settings.REDIS_URL,
    reason="needs PostgreSQL and Redis: set DATABASE_URL=postgres://... and REDIS_URL=redis://...",
)
PATHS = {"floor", "clockIn", "records", "inbox", "export"}
FIELDS = {"rps", "p50Ms", "p95Ms", "p99Ms", "errors", "ratioToFloor", "concurrency"}


@needs_services
@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)")
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_drives_every_path_and_checks_punches_and_the_audit_chain(tmp_path):
    output = tmp_path / "perf" / "api.json"
    call_command(
        "api_bench", members=8, approvers=2, importers=2, record_members=3, duration=1, concurrency="3",
        import_rows=40, workers=1, threads=2, output=str(output), stdout=StringIO(),
    )  # fmt: skip
    summary = json.loads(output.read_text(encoding="utf-8"))
    assert summary["concurrency"] == 3
    for path in PATHS:
        assert set(summary[path]) >= FIELDS, path
    assert [run["concurrency"] for run in summary["runs"]] == [3]
    assert summary["floor"]["ratioToFloor"] == 1.0
    checks = summary["checks"]
    assert checks["ok"] and checks["auditVerify"] and checks["allSealed"] and not checks["duplicateKeys"]
    assert checks["punchesStored"] == Punch.objects.filter(organization__slug__startswith="rush-").count() > 0
    assert checks["punchAuditEntries"] == checks["punchesStored"]
    assert summary["clockInWithImport"]["import"]["status"] == "completed"
    assert summary["clockInWithImport"]["import"]["created"] == 40


@pytest.mark.django_db
def test_the_benchmark_refuses_sqlite(monkeypatch):
    # Whatever database the suite runs on, the command sees one that is not PostgreSQL.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="postgres"):
        call_command("api_bench", stdout=StringIO())
