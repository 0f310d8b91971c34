"""`manage.py payroll_cycles generate [--today YYYY-MM-DD]`: auto-generating templates keep the current cycle
and the next three present (what Celery beat runs every six hours)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.payroll_cycles.services import cycles_keep_ahead


class Command(BaseCommand):
    help = "Payroll cycles: generate the next cycles of auto-generating templates."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["generate"])
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date as YYYY-MM-DD") from None
        created = cycles_keep_ahead(today=today)
        self.stdout.write(f"{created} created")
