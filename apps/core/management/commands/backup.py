"""Back up the database and the upload storage into one directory with a manifest of checksums.

    manage.py backup [--output DIR] [--skip-media] [--keep N]

Without --output the backup goes to BACKUP_ROOT/<UTC time> (20261203T023000Z). The last line printed is
the backup's directory, so `DIR=$(manage.py backup | tail -n 1)` works. --keep N then deletes the oldest
backups under BACKUP_ROOT beyond the newest N. docs/runbook.md, "Backup and restore".
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.backup import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = "pg_dump (custom format) plus a copy of MEDIA_ROOT, with manifest.json (checksums, counts, migrations)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="The backup's directory (new or empty)."
        )
        parser.add_argument("--skip-media", action="store_true", help="Only the database, not MEDIA_ROOT.")
        parser.add_argument(
            "--keep", type=int, default=None, help="Then keep only the newest N backups under BACKUP_ROOT."
        )

    def handle(self, *args, **options):
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep must be 1 or more.")
        try:
            result = backup_create(output=options["output"], include_media=not options["skip_media"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        files = manifest["files"]
        size = sum(entry["size"] for entry in files)
        self.stdout.write(
            f"Backed up database {manifest['database']['name']!r} ({len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values()):,} rows) and {len(files) - 1} upload file(s): "
            f"{size / 1e6:.1f} MB in {result.seconds:.1f} s (app {manifest['app']['version']})."
        )
        if options["keep"] is not None:
            for removed in backups_prune(root=Path(settings.BACKUP_ROOT), keep=options["keep"]):
                self.stdout.write(f"Removed old backup {removed}")
        self.stdout.write(str(result.directory))
