from django.core.management.base import BaseCommand

from apps.imports.services.recovery import import_jobs_recover


class Command(BaseCommand):
    help = (
        "Queue again (or fail) import jobs whose process died: queued or running with a heartbeat older than "
        "IMPORT_JOB_STALE_SECONDS (also run by Celery beat every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-seconds", type=int, default=None, help="override IMPORT_JOB_STALE_SECONDS for this run"
        )

    def handle(self, *args, **options):
        outcome = import_jobs_recover(stale_seconds=options["stale_seconds"])
        self.stdout.write(
            f"Queued {len(outcome['requeued'])} import job(s) again; failed {len(outcome['failed'])}."
        )
