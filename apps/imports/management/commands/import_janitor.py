from django.core.management.base import BaseCommand

from apps.imports.services.tokens import commit_tokens_purge
from apps.imports.services.uploads import upload_files_orphaned_purge, upload_purge_expired
from apps.imports.services.validated_sets import validated_sets_purge


class Command(BaseCommand):
    help = (
        "Delete the files of expired import uploads, long-expired commit tokens and kept previews no longer "
        "usable (also run by Celery beat)."
    )

    def handle(self, *args, **options):
        purged = upload_purge_expired()
        orphans = upload_files_orphaned_purge()
        deleted = commit_tokens_purge()
        dropped = validated_sets_purge()
        self.stdout.write(
            f"Purged {purged} expired upload(s) and {orphans} file(s) no upload owns; deleted {deleted} expired commit token(s); "
            f"dropped {dropped} kept preview(s)."
        )
