"""Prometheus gauges of the audit sealer, set at each scrape of /metrics (apps.core.health).

`timeledger_audit_unsealed_oldest_seconds` is the age of the oldest entry not yet sealed into its chain (0
when none): the alert in deploy/prometheus/timeledger.rules.yml fires when the sealer falls behind.
"""

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import Gauge

from apps.audit.models import OperationLog

# "mostrecent": with several gunicorn workers, the value of the latest scrape wins, not a stale maximum.
OLDEST_UNSEALED = Gauge(
    "timeledger_audit_unsealed_oldest_seconds",
    "Age of the oldest operation-log entry not yet sealed into its hash chain (0 when none).",
    multiprocess_mode="mostrecent",
)
UNSEALED = Gauge(
    "timeledger_audit_unsealed_entries",
    "Operation-log entries waiting for the sealer.",
    multiprocess_mode="mostrecent",
)


def unsealed_backlog() -> tuple[int, float]:
    """How many entries wait for the sealer, and the age in seconds of the oldest (0 when none)."""
    row = OperationLog.objects.filter(sequence__isnull=True).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    oldest = row["oldest"]
    return row["count"], (timezone.now() - oldest).total_seconds() if oldest else 0.0


def refresh_sealer_gauges() -> None:
    count, age = unsealed_backlog()
    UNSEALED.set(count)
    OLDEST_UNSEALED.set(max(age, 0.0))
