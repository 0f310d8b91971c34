"""The backup and restore drill on this machine's PostgreSQL: a database seeded with the demo (members,
punches, decided requests, an import batch with its upload file, audit entries) and a few thousand more
records from an import, backed up with `manage.py backup`, restored with `manage.py restore` into a freshly
created database: every table has the same row count and the audit chains verify. A corrupted backup, a
database that is not empty and an altered audit log are refused. The commands run as processes, as an
operator runs them.

Needs DATABASE_URL=postgres://... and the PostgreSQL client (pg_dump, pg_restore); skipped otherwise.
BACKUP_DRILL_ROWS=N seeds N imported records instead of 3,000 (the runbook's restore time was measured so)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy import harness

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("backup_drill")]

ROWS = int(os.environ.get("BACKUP_DRILL_ROWS", "3000"))

SEED = """
import os, sys
from datetime import date, timedelta

import django

django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.access.models import Membership, Organization
from apps.attendance import services as attendance
from apps.attendance.models import AdjustmentRequest
from apps.imports.services.commits import batch_commit_request, batch_commit_run
from apps.imports.services.tokens import commit_token_create
from apps.imports.services.uploads import upload_create_from_chunks

rows = int(sys.argv[1])
with open(os.devnull, "w") as quiet:
    call_command("demo_seed", stdout=quiet)
organization = Organization.objects.get(slug="acme")
members = {m.user.username: m for m in Membership.objects.filter(organization=organization).select_related("user")}
for name in ("employee", "wang.lei", "li.na"):
    attendance.punch_create(member=members[name], kind="in", source="api", idempotency_key=f"drill-{name}")
pending = AdjustmentRequest.objects.filter(organization=organization, status="pending").first()
attendance.adjustment_request_approve(request=pending, approver=members["approver"], comment="drill")
team = [members[name] for name in ("employee", "wang.lei", "li.na", "sam.night")]
# At most ten years per member: a bigger drill gets more members.
extra = max(0, -(-rows // 3650) - len(team))
if extra:
    users = get_user_model().objects.bulk_create([get_user_model()(username=f"drill{n}") for n in range(extra)])
    team += Membership.objects.bulk_create(
        [Membership(user=u, organization=organization, employee_no=f"D{n:06d}", display_name=f"Drill {n}")
         for n, u in enumerate(users)]
    )
first = date(2000, 1, 1)
lines = [f"{first + timedelta(days=n // len(team))},{team[n % len(team)].employee_no},09:00,18:00" for n in range(rows)]
data = ("日期,工号,上班1打卡时间,下班1打卡时间\\n" + "\\n".join(lines) + "\\n").encode()
importer = members["importer"]
upload = upload_create_from_chunks(member=importer, chunks=[data], filename="drill.csv")
_token, raw = commit_token_create(member=importer, upload=upload, mapping={})
request = batch_commit_request(member=importer, commit_token=raw, idempotency_key="drill", run_async=False)
batch = batch_commit_run(job_id=request.job.pk)
assert batch.status == "completed" and batch.total_rows == rows, (batch.status, batch.error_message)
call_command("audit_seal")
"""


def _server() -> dict:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the backup drill needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("the backup drill needs the PostgreSQL client (apt-get install postgresql-client)")
    return {
        "host": database["HOST"] or "127.0.0.1",
        "port": database["PORT"] or 5432,
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
    }


class Databases:
    """Databases of this test module, created empty and dropped at the end."""

    def __init__(self, server: dict):
        self.server = server
        self.created: list[str] = []

    def _admin(self):
        import psycopg

        return psycopg.connect(dbname="postgres", autocommit=True, **self.server)

    def create(self, label: str, *, template: str | None = None) -> str:
        name = f"timeledger_drill_{label}_{secrets.token_hex(3)}"
        with self._admin() as connection:
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{suffix}')
        self.created.append(name)
        return name

    def url(self, name: str) -> str:
        server = self.server
        password = f":{server['password']}" if server["password"] else ""
        return f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"

    def query(self, name: str, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(dbname=name, autocommit=True, **self.server) as connection:
            return connection.execute(sql, params).fetchall()

    def execute(self, name: str, sql: str, *params) -> None:
        import psycopg

        with psycopg.connect(dbname=name, autocommit=True, **self.server) as connection:
            connection.execute(sql, params)

    def counts(self, name: str) -> dict[str, int]:
        """Every table's row count, read independently of the commands under test."""
        tables = self.query(
            name,
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
        )
        return {
            f"{schema}.{table}": self.query(name, f'SELECT count(*) FROM "{schema}"."{table}"')[0][0]  # noqa: S608
            for schema, table in tables
        }

    def drop_all(self) -> None:
        with self._admin() as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database_url: str, media_root: Path, check: bool = True, **extra_env):
    env = {
        **harness.base_environment(),
        "DJANGO_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, *args], cwd=harness.REPO, env=env, capture_output=True, text=True, timeout=1800
    )
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """A seeded source database, its uploads, and one backup of it made with `manage.py backup`."""
    databases = Databases(_server())
    workdir = tmp_path_factory.mktemp("drill")
    try:
        source = databases.create("source")
        media = workdir / "media-source"
        url = databases.url(source)
        manage("manage.py", "migrate", "--noinput", "-v", "0", database_url=url, media_root=media)
        manage("-c", SEED, str(ROWS), database_url=url, media_root=media)
        result = manage(
            "manage.py", "backup", database_url=url, media_root=media, BACKUP_ROOT=str(workdir / "b")
        )
        backup = Path(result.stdout.strip().splitlines()[-1])
        yield {"databases": databases, "source": source, "media": media, "backup": backup, "workdir": workdir}
    finally:
        databases.drop_all()


def _corrupt_copy(backup: Path, target: Path, relative: str) -> Path:
    shutil.copytree(backup, target)
    path = target / relative
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one bit pattern flipped in the middle; the size stays the same
    path.write_bytes(bytes(data))
    return target


def test_the_manifest_lists_every_file_with_its_checksum_the_migrations_and_the_version(drill):
    backup, databases = drill["backup"], drill["databases"]
    manifest = json.loads((backup / "manifest.json").read_text())

    assert manifest["format"] == "timeledger-backup"
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(listed) == on_disk
    uploads = [p.relative_to(drill["media"]).as_posix() for p in drill["media"].rglob("*") if p.is_file()]
    assert len(uploads) >= 2  # the demo's DingTalk file and the drill's import
    assert {f"media/{path}" for path in uploads} <= set(listed)
    for path, entry in listed.items():
        data = (backup / path).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == __import__("hashlib").sha256(data).hexdigest()
    applied = databases.query(drill["source"], "SELECT app, name FROM django_migrations")
    assert {(app, name) for app, names in manifest["migrations"].items() for name in names} == set(applied)
    assert (
        manifest["app"]["version"]
        == __import__("tomllib").loads((harness.REPO / "pyproject.toml").read_text())["project"]["version"]
    )
    assert manifest["tables"] == databases.counts(drill["source"])


def test_a_restore_into_a_fresh_database_has_every_row_and_the_audit_chains_verify(drill):
    databases = drill["databases"]
    target = databases.create("target")
    media = drill["workdir"] / "media-restored"

    result = manage(
        "manage.py", "restore", str(drill["backup"]), database_url=databases.url(target), media_root=media
    )

    source_counts, restored_counts = databases.counts(drill["source"]), databases.counts(target)
    assert restored_counts == source_counts
    assert source_counts["public.attendance_dailyrecord"] >= ROWS
    assert source_counts["public.attendance_punch"] >= 3
    assert source_counts["public.audit_operationlog"] > 0
    assert source_counts["public.imports_importitem"] >= ROWS
    decided = databases.query(
        target, "SELECT count(*) FROM attendance_adjustmentrequest WHERE status = 'approved'"
    )
    assert decided[0][0] >= 1
    assert "Checksums verified" in result.stdout
    assert "All " in result.stdout and "chain(s) verified." in result.stdout
    assert "Restore complete and verified" in result.stdout
    # The figures of this run, for the runbook's restore time (BACKUP_DRILL_ROWS=N for a bigger one).
    report = harness.REPO / "output" / "backup" / f"drill-{ROWS}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, int] = {}
    for entry in json.loads((drill["backup"] / "manifest.json").read_text())["files"]:
        part = entry["path"].split("/")[0]  # database.dump, media
        sizes[part] = sizes.get(part, 0) + entry["size"]
    report.write_text(
        f"{ROWS} imported rows, {sum(source_counts.values())} rows in all, bytes {sizes}\n{result.stdout}"
    )
    # The uploads came back byte for byte, at the same paths.
    for original in (p for p in drill["media"].rglob("*") if p.is_file()):
        assert (media / original.relative_to(drill["media"])).read_bytes() == original.read_bytes()
    # The restored installation passes the audit check on its own, as after any incident.
    verify = manage("manage.py", "audit_verify", database_url=databases.url(target), media_root=media)
    assert "verified" in verify.stdout
    # Sequences came back too: the next id is past every restored one.
    next_id = databases.query(target, "SELECT nextval(pg_get_serial_sequence('audit_operationlog', 'id'))")[
        0
    ][0]
    assert next_id > databases.query(target, "SELECT max(id) FROM audit_operationlog")[0][0]


@pytest.mark.parametrize("damaged", ["database.dump", "an upload"])
def test_a_corrupted_backup_is_refused_before_anything_is_written(drill, damaged, tmp_path):
    databases = drill["databases"]
    manifest = json.loads((drill["backup"] / "manifest.json").read_text())
    relative = (
        "database.dump"
        if damaged == "database.dump"
        else next(e["path"] for e in manifest["files"] if e["path"].startswith("media/"))
    )
    corrupt = _corrupt_copy(drill["backup"], tmp_path / "corrupt", relative)
    target = databases.create("corrupt")
    media = tmp_path / "media"

    result = manage(
        "manage.py",
        "restore",
        str(corrupt),
        database_url=databases.url(target),
        media_root=media,
        check=False,
    )

    assert result.returncode != 0
    assert "BACKUP_CORRUPT" in result.stderr
    assert relative in result.stderr
    assert "nothing was restored" in result.stderr
    assert databases.counts(target) == {}
    assert not media.exists() or not any(media.rglob("*"))


def test_restore_refuses_a_database_that_is_not_empty_and_leaves_it_alone(drill, tmp_path):
    databases = drill["databases"]
    before = databases.counts(drill["source"])

    result = manage(
        "manage.py",
        "restore",
        str(drill["backup"]),
        database_url=databases.url(drill["source"]),
        media_root=tmp_path / "media",
        check=False,
    )

    assert result.returncode != 0
    assert "RESTORE_TARGET_NOT_EMPTY" in result.stderr
    assert "empty database" in result.stderr
    assert databases.counts(drill["source"]) == before


def test_a_backup_whose_audit_log_was_altered_restores_but_fails_verification(drill, tmp_path):
    """restore really runs audit_verify: an entry changed after it was chained is caught."""
    databases = drill["databases"]
    altered = databases.create("altered", template=drill["source"])
    databases.execute(
        altered,
        "UPDATE audit_operationlog SET action = 'attendance.punch.deleted' "
        "WHERE id = (SELECT min(id) FROM audit_operationlog WHERE entry_hash <> '')",
    )
    backup = manage(
        "manage.py",
        "backup",
        "--output",
        str(tmp_path / "altered-backup"),
        database_url=databases.url(altered),
        media_root=drill["media"],
    )
    target = databases.create("altered_target")

    result = manage(
        "manage.py",
        "restore",
        backup.stdout.strip().splitlines()[-1],
        database_url=databases.url(target),
        media_root=tmp_path / "media",
        check=False,
    )

    assert result.returncode != 0
    assert "the audit log does not verify" in result.stderr
    assert "AUDIT_CHAIN_BROKEN" in result.stderr
    assert databases.counts(target) == databases.counts(altered)
