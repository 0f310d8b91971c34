"""Restore a backup made by `manage.py backup` into an EMPTY database, then verify the audit log.

    manage.py restore <backup dir> [--skip-media] [--jobs N]

In order: the manifest and every file's SHA-256 are checked (a mismatch refuses, nothing is written); the
database (DATABASE_URL) must hold no table and MEDIA_ROOT no file; pg_restore in one transaction (or N
parallel jobs, not atomic); the uploads are copied; every table's row count is compared with the manifest;
then `audit_verify` checks every hash chain. Exits non-zero naming what failed. docs/runbook.md.
"""

import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup directory into an empty database and MEDIA_ROOT, then run audit_verify."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A backup directory (it holds manifest.json).")
        parser.add_argument("--skip-media", action="store_true", help="Restore the database only.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="pg_restore jobs; more than 1 is faster but not one transaction.",
        )

    def handle(self, *args, **options):
        if options["jobs"] < 1:
            raise CommandError("--jobs must be 1 or more.")
        started = time.monotonic()
        try:
            result = backup_restore(
                directory=options["directory"], include_media=not options["skip_media"], jobs=options["jobs"]
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest, timings = result.manifest, result.timings
        self.stdout.write(
            f"Checksums verified ({len(manifest['files'])} files) in {timings['verify']:.1f} s."
        )
        self.stdout.write(
            f"Restored {result.tables} tables ({result.rows:,} rows, the same counts as the backup) in "
            f"{timings['database']:.1f} s and {result.media_files} upload file(s) in {timings['media']:.1f} s, "
            f"from the backup of {manifest['createdAt']} (app {manifest['app']['version']})."
        )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(result.pending_migrations)} migration(s) of this code "
                    f"({', '.join(result.pending_migrations[:5])}): run `manage.py migrate` before serving."
                )
            )
        # The hash chains, as after any incident: the audit app's own command, called by name.
        try:
            call_command("audit_verify", stdout=self.stdout, stderr=self.stderr)
        except CommandError as error:
            raise CommandError(f"Restored, but the audit log does not verify: {error}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Restore complete and verified in {time.monotonic() - started:.1f} s.")
        )
