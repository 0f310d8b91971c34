"""Reads of the operation log, always scoped to one organization first."""

from datetime import datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from apps.access.models import Organization
from apps.audit.models import OperationLog, chain_key


def audit_log_entries(*, organization: Organization) -> QuerySet[OperationLog]:
    """The organization's sealed entries (filtered by apps.audit.filters.OperationLogFilter). The chain is
    the organization the entry was hashed with: an entry whose organization column was changed afterwards
    stays out of the other organization's log (and `audit_verify` reports it). Unsealed entries appear once
    sealed, seconds later (docs/audit.md)."""
    return (
        OperationLog.objects.for_org(organization)
        .filter(chain=chain_key(organization.pk), sequence__isnull=False)
        .select_related("organization")
    )


SUMMARY_TOP = 50


def audit_log_summary(
    *, entries: QuerySet[OperationLog], since: datetime | None, until: datetime | None
) -> dict:
    """Counts by action, actor and result of `entries` (an organization's, filtered) over the window: the
    last 7 days unless since / until say otherwise."""
    until = until or timezone.now()
    since = since or until - timedelta(days=7)
    entries = entries.filter(created_at__gte=since, created_at__lt=until).order_by()

    def counts(field: str, limit: int | None = SUMMARY_TOP) -> list[dict]:
        rows = entries.values(field).annotate(count=Count("id")).order_by("-count", field)
        return [
            {"key": row[field] or "-", "count": row["count"]} for row in (rows[:limit] if limit else rows)
        ]

    by_result = counts("result", None)
    return {
        "since": since,
        "until": until,
        "total": sum(row["count"] for row in by_result),
        "by_action": counts("action"),
        "by_actor": counts("actor_label"),
        "by_result": by_result,
    }
