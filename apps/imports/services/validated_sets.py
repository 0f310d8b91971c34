"""Kept previews (ValidatedSet): the janitor's side. Previews create them (previews.py), commits reuse them
(commits.py); here they are dropped once they can no longer be used."""

from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from apps.imports.models import ValidatedSet
from apps.imports.staging import drop_tables

TABLE_PREFIX = "imports_vset_"
# A newer preview of the same upload replaces a set; the older one is kept this long for a commit that
# may already be reading it.
SUPERSEDED_GRACE = timedelta(minutes=30)
UNFINISHED_GRACE = timedelta(hours=6)  # a preview that never finished (its worker died)


def validated_set_discard(kept: ValidatedSet) -> None:
    drop_tables(kept.table, kept.rejects_table)
    ValidatedSet.objects.filter(pk=kept.pk).delete()


def validated_sets_purge(*, now=None) -> int:
    """Drop the sets of expired uploads, sets replaced by a newer preview of the same upload, previews
    that never finished, and tables whose set row is gone. Returns how many sets were dropped."""
    now = now or timezone.now()
    newest: dict[int, int] = {}
    for set_id, upload_id in (
        ValidatedSet.objects.filter(completed_at__isnull=False)
        .order_by("upload_id", "-id")
        .values_list("id", "upload_id")
    ):
        newest.setdefault(upload_id, set_id)
    doomed = ValidatedSet.objects.filter(
        Q(upload__expires_at__lte=now)
        | Q(upload__purged_at__isnull=False)
        | Q(completed_at__isnull=True, created_at__lte=now - UNFINISHED_GRACE)
        | (Q(completed_at__lte=now - SUPERSEDED_GRACE) & ~Q(id__in=list(newest.values())))
    )
    dropped = 0
    for kept in doomed.iterator(chunk_size=200):
        validated_set_discard(kept)
        dropped += 1
    known = set()
    for kept in ValidatedSet.objects.only("id"):
        known |= {kept.table, kept.rejects_table}
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    orphans = [table for table in tables if table.startswith(TABLE_PREFIX) and table not in known]
    drop_tables(*orphans)
    return dropped
