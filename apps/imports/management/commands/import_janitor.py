from django.core.management.base import BaseCommand

from apps.imports.services.tokens import commit_tokens_purge
from apps.imports.services.uploads import upload_purge_expired


class Command(BaseCommand):
    help = (
        "Delete the files of expired import uploads and long-expired commit tokens (also run by Celery beat)."
    )

    def handle(self, *args, **options):
        purged = upload_purge_expired()
        deleted = commit_tokens_purge()
        self.stdout.write(f"Purged {purged} expired upload(s); deleted {deleted} expired commit token(s).")
