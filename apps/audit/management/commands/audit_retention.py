"""Apply retention to the operation log (and report attendance data retention).

    manage.py audit_retention [--dry-run] [--org acme] [--batch-size 1000]

The same work as the daily Celery beat task `audit.retention`.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.access.models import Organization
from apps.audit.retention import PURGE_BATCH, audit_retention_run


class Command(BaseCommand):
    help = "Delete operation-log entries older than each organization's retention, in batches."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")
        parser.add_argument("--org", default="", help="Only this organization (slug).")
        parser.add_argument("--batch-size", type=int, default=PURGE_BATCH)

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("VALIDATION_ERROR: --batch-size must be at least 1.")
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"ORGANIZATION_NOT_FOUND: no organization {options['org']!r}.")
        dry_run = options["dry_run"]
        results = audit_retention_run(
            dry_run=dry_run, organization=organization, batch_size=options["batch_size"]
        )
        verb = "would remove" if dry_run else "removed"
        for result in results:
            line = (
                f"{result.organization}: {verb} {result.removed} operation-log entries older than "
                f"{result.cutoff:%Y-%m-%d} ({result.days} days)"
            )
            if result.attendance:
                removed = result.attendance["removed"]
                line += f"; attendance data: {result.attendance['days']} days, " + (
                    ", ".join(f"{name} {count}" for name, count in removed.items())
                    if removed
                    else "kept (no attendance purger installed)"
                )
            self.stdout.write(line)
