"""Prometheus metrics of the apps (served at /metrics with django-prometheus's registry).

Names are `timeledger_<area>_<what>`; every app increments its counters from here so that the names stay
in one list (docs/runbook.md, "Metrics").
"""

from prometheus_client import Counter, Histogram

webhook_events = Counter(
    "timeledger_webhook_events_total",
    "Events written to the webhook outbox (a rolled-back change counts too)",
    ["type"],
)
webhook_deliveries = Counter(
    "timeledger_webhook_deliveries_total",
    "Webhook delivery attempts by outcome (succeeded, retry, dead)",
    ["outcome"],
)
webhook_delivery_seconds = Histogram(
    "timeledger_webhook_delivery_seconds",
    "Time of one webhook HTTP attempt",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
webhook_replays = Counter("timeledger_webhook_replays_total", "Dead letters sent again by an administrator")
