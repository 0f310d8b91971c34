"""Backups of a whole installation and their restore (`manage.py backup`, `manage.py restore`).

A backup is a directory:

    database.dump     pg_dump --format=custom of the database, taken in one exported snapshot
    media/...         a copy of every file under MEDIA_ROOT (the upload storage), same relative paths
    manifest.json     what it holds: every file with its size and SHA-256, the row count of every table
                      and the applied Django migrations (both read in the dump's snapshot), the app version

It is written as `<name>.partial` and renamed when complete, so a directory without that suffix and with a
manifest is a whole backup. A restore checks every checksum before it touches anything, writes only into an
empty database, and compares the restored tables' row counts with the manifest (docs/runbook.md, "Backup and
restore").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

FORMAT = "timeledger-backup"
FORMAT_VERSION = 1
DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
MEDIA_DIR = "media"
PARTIAL_SUFFIX = ".partial"
CHUNK = 1024 * 1024
# Backups made by `backup` without --output: <BACKUP_ROOT>/20261203T023000Z
NAME_PATTERN = re.compile(r"^\d{8}T\d{6}Z$")
# deploy/deploy.sh names a release directory <utc>-<first 12 hex digits of the commit>
RELEASE_DIR = re.compile(r"^\d{14}-(?P<commit>[0-9a-f]{12})$")

USER_TABLES_SQL = """
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
    ORDER BY 1, 2
"""
# Anything a restore could collide with: tables, views, sequences, materialized views, foreign tables.
USER_RELATIONS_SQL = """
    SELECT n.nspname || '.' || c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
    ORDER BY 1
"""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message starts with a stable code (`BACKUP_CORRUPT: ...`)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"{code}: {message}")


@dataclass
class FileEntry:
    path: str
    size: int
    sha256: str

    def as_json(self) -> dict:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass
class BackupResult:
    directory: Path
    manifest: dict
    seconds: float


@dataclass
class RestoreResult:
    manifest: dict
    tables: int
    rows: int
    media_files: int
    timings: dict[str, float] = field(default_factory=dict)
    pending_migrations: list[str] = field(default_factory=list)


# --- what both sides need -------------------------------------------------------------------------


def _database(alias: str = "default") -> dict:
    database = settings.DATABASES[alias]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(
            "BACKUP_UNSUPPORTED_DATABASE",
            "backup and restore work on PostgreSQL only (DATABASE_URL=postgres://...).",
        )
    return database


def libpq_environment(alias: str = "default") -> dict[str, str]:
    """The connection as libpq variables for pg_dump / pg_restore: the password never appears in a
    command line that `ps` would show."""
    database = _database(alias)
    options = database.get("OPTIONS", {})
    values = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
        "PGSSLROOTCERT": options.get("sslrootcert", ""),
        "PGAPPNAME": "timeledger-backup",
    }
    # The child gets this process's environment (PATH, locale) with the connection on top.
    return {**os.environ, **{key: value for key, value in values.items() if value}}


def client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            "BACKUP_TOOL_MISSING",
            f"{name} is not installed: install the PostgreSQL client of the server's major version "
            "(apt-get install postgresql-client).",
        )
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(source: Path, target: Path) -> FileEntry | None:
    """Copy one file, hashing what was written; None when it vanished meanwhile (the janitor removes
    expired uploads at any time)."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with source.open("rb") as reader, target.open("wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
    except FileNotFoundError:
        target.unlink(missing_ok=True)
        return None
    shutil.copystat(source, target)
    return FileEntry(path="", size=size, sha256=digest.hexdigest())


def _files_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, _subdirs, names in os.walk(root):
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def app_version() -> dict:
    """The version in pyproject.toml and, where it can be known, the commit: from git in a checkout, from
    the release directory's name on a VM deployed by deploy/deploy.sh."""
    base = Path(settings.BASE_DIR)
    try:
        version = tomllib.loads((base / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    commit = None
    git = shutil.which("git")
    if git and (base / ".git").exists():
        result = subprocess.run(  # noqa: S603 - git with fixed arguments
            [git, "-C", str(base), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        commit = result.stdout.strip() or None
    if commit is None and (match := RELEASE_DIR.match(base.resolve().name)):
        commit = match["commit"]
    return {"version": version, "commit": commit}


def _quoted(connection, schema: str, table: str) -> str:
    return f"{connection.ops.quote_name(schema)}.{connection.ops.quote_name(table)}"


def table_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(USER_TABLES_SQL)
        tables = cursor.fetchall()
        counts = {}
        for schema, table in tables:
            cursor.execute(f"SELECT count(*) FROM {_quoted(connection, schema, table)}")  # noqa: S608
            counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def applied_migrations(connection) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        state: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            state.setdefault(app, []).append(name)
    return state


# --- backup ---------------------------------------------------------------------------------------


def backup_create(*, output: Path | None = None, include_media: bool = True) -> BackupResult:
    """Write a backup directory (under BACKUP_ROOT, named by the UTC time, unless `output` is given)."""
    started = time.monotonic()
    created = datetime.now(tz=UTC)
    if output is None:
        output = Path(settings.BACKUP_ROOT) / created.strftime("%Y%m%dT%H%M%SZ")
    output = output.resolve()
    if output.exists() and any(output.iterdir()):
        raise BackupError(
            "BACKUP_TARGET_EXISTS", f"{output} exists and is not empty; choose another --output."
        )
    partial = output.with_name(output.name + PARTIAL_SUFFIX)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        manifest = _write_backup(partial, created=created, include_media=include_media)
        (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        if output.exists():
            output.rmdir()
        partial.rename(output)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(directory=output, manifest=manifest, seconds=time.monotonic() - started)


def _write_backup(directory: Path, *, created: datetime, include_media: bool) -> dict:
    pg_dump = client("pg_dump")
    connection = connections["default"]
    _database()
    dump = directory / DUMP_NAME
    # One snapshot for everything: pg_dump imports the snapshot this transaction exports, and the row
    # counts and migration state are read in it too, so the manifest describes exactly what was dumped.
    with transaction.atomic(using="default"):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
        result = subprocess.run(  # noqa: S603 - pg_dump with arguments we build
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
            env=libpq_environment(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(
                "BACKUP_FAILED", f"pg_dump exited with {result.returncode}: {result.stderr[-2000:]}"
            )
        tables = table_counts(connection)
        migrations = applied_migrations(connection)
    files = [FileEntry(path=DUMP_NAME, size=dump.stat().st_size, sha256=sha256_of(dump))]
    media_root = Path(settings.MEDIA_ROOT)
    if include_media:
        for source in _files_under(media_root):
            relative = source.relative_to(media_root).as_posix()
            entry = _copy_hashing(source, directory / MEDIA_DIR / relative)
            if entry is not None:
                entry.path = f"{MEDIA_DIR}/{relative}"
                files.append(entry)
    tool = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, timeout=30)  # noqa: S603
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "createdAt": created.isoformat().replace("+00:00", "Z"),
        "app": app_version(),
        "database": {
            "name": connection.settings_dict["NAME"],
            "serverVersion": server_version,
            "dumpedWith": tool.stdout.strip(),
            "snapshot": snapshot,
        },
        "media": {"included": include_media, "root": str(media_root)},
        "migrations": migrations,
        "tables": tables,
        "files": [entry.as_json() for entry in files],
    }


def backups_prune(*, root: Path, keep: int) -> list[Path]:
    """Delete the oldest complete backups under `root` beyond the newest `keep` (named by `backup`)."""
    complete = sorted(
        path
        for path in root.iterdir()
        if path.is_dir() and NAME_PATTERN.match(path.name) and (path / MANIFEST_NAME).exists()
    )
    removed = complete[: max(0, len(complete) - keep)]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- restore --------------------------------------------------------------------------------------


def manifest_read(directory: Path) -> dict:
    path = directory / MANIFEST_NAME
    if not directory.is_dir():
        raise BackupError("BACKUP_NOT_FOUND", f"{directory} is not a directory.")
    if not path.exists():
        hint = " (an interrupted backup)" if directory.name.endswith(PARTIAL_SUFFIX) else ""
        raise BackupError(
            "BACKUP_INVALID", f"{directory} has no {MANIFEST_NAME}{hint}; it is not a whole backup."
        )
    try:
        manifest = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError("BACKUP_CORRUPT", f"{MANIFEST_NAME} is not valid JSON ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("BACKUP_INVALID", f"{MANIFEST_NAME} is not a TimeLedger backup manifest.")
    if manifest.get("formatVersion") != FORMAT_VERSION:
        raise BackupError(
            "BACKUP_INVALID",
            f"backup format version {manifest.get('formatVersion')!r}; this release reads {FORMAT_VERSION}.",
        )
    return manifest


def backup_verify(directory: Path, manifest: dict) -> list[str]:
    """Every listed file is there with its size and SHA-256; returns the problems (empty: intact)."""
    problems = []
    entries = manifest.get("files") or []
    if not any(entry.get("path") == DUMP_NAME for entry in entries):
        problems.append(f"{DUMP_NAME} is not listed in the manifest")
    for entry in entries:
        relative = entry.get("path", "")
        path = (directory / relative).resolve()
        if not relative or not path.is_relative_to(directory.resolve()):
            problems.append(f"{relative!r}: a path outside the backup")
            continue
        if not path.is_file():
            problems.append(f"{relative}: missing")
            continue
        size = path.stat().st_size
        if size != entry.get("size"):
            problems.append(f"{relative}: {size} bytes, the manifest says {entry.get('size')}")
            continue
        digest = sha256_of(path)
        if digest != entry.get("sha256"):
            problems.append(
                f"{relative}: SHA-256 {digest[:16]}..., the manifest says {str(entry.get('sha256'))[:16]}..."
            )
    return problems


def database_relations(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(USER_RELATIONS_SQL)
        return [row[0] for row in cursor.fetchall()]


def backup_restore(*, directory: Path, include_media: bool = True, jobs: int = 1) -> RestoreResult:
    """Restore `directory` into the configured database, which must be empty, and MEDIA_ROOT, which must
    hold no file. Checks first (checksums, emptiness), then pg_restore, then the files, then the counts."""
    timings: dict[str, float] = {}
    directory = directory.resolve()
    started = time.monotonic()
    manifest = manifest_read(directory)
    problems = backup_verify(directory, manifest)
    if problems:
        raise BackupError(
            "BACKUP_CORRUPT",
            f"{len(problems)} file(s) do not match the manifest, nothing was restored: "
            + "; ".join(problems[:10]),
        )
    timings["verify"] = time.monotonic() - started

    connection = connections["default"]
    database = _database()
    pg_restore = client("pg_restore")
    existing = database_relations(connection)
    if existing:
        tables = list(table_counts(connection)) or existing
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            "RESTORE_TARGET_NOT_EMPTY",
            f"database {database['NAME']!r} is not empty: it holds {len(tables)} tables ({shown}). "
            "restore writes only into an empty database, so that nothing is overwritten or mixed: create one "
            "(createdb -O <owner> <name>), point DATABASE_URL at it and run restore again.",
        )
    media_root = Path(settings.MEDIA_ROOT)
    media = [entry for entry in manifest["files"] if entry["path"].startswith(f"{MEDIA_DIR}/")]
    if include_media and media and next(_files_under(media_root), None) is not None:
        raise BackupError(
            "RESTORE_TARGET_NOT_EMPTY",
            f"MEDIA_ROOT {media_root} already holds files; restore the uploads into an empty directory "
            "(or pass --skip-media to restore the database only).",
        )
    pending = _code_migrations_not_in(manifest.get("migrations") or {})
    connection.close()  # pg_restore works in its own session; ours holds nothing open meanwhile

    step = time.monotonic()
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={database['NAME']}"]
    # One transaction: a failed restore leaves the database as empty as it was. Parallel jobs are faster
    # on big databases but cannot share a transaction (a failure then needs a fresh database).
    command += [f"--jobs={jobs}"] if jobs > 1 else ["--single-transaction"]
    result = subprocess.run(  # noqa: S603 - pg_restore with arguments we build
        [*command, str(directory / DUMP_NAME)], env=libpq_environment(), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(
            "RESTORE_FAILED", f"pg_restore exited with {result.returncode}: {result.stderr[-2000:]}"
        )
    timings["database"] = time.monotonic() - step

    step = time.monotonic()
    if include_media:
        for entry in media:
            target = media_root / entry["path"].removeprefix(f"{MEDIA_DIR}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(directory / entry["path"], target)
    timings["media"] = time.monotonic() - step

    step = time.monotonic()
    counts = table_counts(connection)
    expected = manifest.get("tables") or {}
    different = [
        f"{name}: {counts.get(name, 'missing')} rows, the backup had {rows}"
        for name, rows in expected.items()
        if counts.get(name) != rows
    ]
    if different:
        raise BackupError(
            "RESTORE_INCOMPLETE", "restored tables differ from the manifest: " + "; ".join(different[:10])
        )
    timings["counts"] = time.monotonic() - step
    return RestoreResult(
        manifest=manifest,
        tables=len(counts),
        rows=sum(counts.values()),
        media_files=len(media) if include_media else 0,
        timings=timings,
        pending_migrations=pending,
    )


def _code_migrations_not_in(state: dict[str, list[str]]) -> list[str]:
    """Migrations this code has that the backup had not applied (it is older: migrate after restoring).
    A backup with migrations this code does not know is refused: it was made by a newer release."""
    from django.db.migrations.loader import MigrationLoader

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, names in state.items() for name in names}
    apps_here = {app for app, _name in on_disk}
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - on_disk if app in apps_here)
    if unknown:
        raise BackupError(
            "BACKUP_NEWER_THAN_CODE",
            f"the backup has migrations this code does not know ({', '.join(unknown[:5])}): restore it with "
            "the release that made it (its app version is in manifest.json), then deploy this one.",
        )
    return sorted(f"{app}.{name}" for app, name in on_disk - in_backup)
