"""Product metrics: what the product does (punches, decisions, imports, jobs, deliveries), beside
django-prometheus' request metrics. Names, labels and their meaning are listed in docs/runbook.md
("Metrics"); alerts and the dashboard in deploy/prometheus/ and deploy/grafana/ use them.

Counters and histograms are incremented where the work happens (web or worker process): with several
processes, PROMETHEUS_MULTIPROC_DIR makes /metrics (web) and a worker's metrics port add them up. State
that outlives a process (the last audit-chain check, the last retention run) is written to the default
cache and read when Prometheus scrapes, as are the queue depths, readiness and database connections
(`StateCollector`, web /metrics only).

Apps call the small functions below; a counter is incremented after its transaction commits, so a
rolled-back punch is never counted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger("timeledger.metrics")

PUNCH_KINDS = ("in", "out")
PUNCH_SOURCES = ("web", "api", "import", "adjustment", "admin")
REQUEST_TYPES = ("adjustment", "leave")
DECISIONS = ("approved", "rejected", "cancelled")
IMPORT_PHASES = ("preview", "validate", "merge", "rollback")
JOB_KINDS = ("import_commit", "import_preview")
JOB_OUTCOMES = ("completed", "failed")
DELIVERY_CHANNELS = ("notification", "webhook")
DELIVERY_OUTCOMES = ("delivered", "retried", "failed")
TASK_STATES = ("success", "failure", "retry")
# apps.audit.webhooks' outcome names -> the delivery outcomes above.
WEBHOOK_OUTCOMES = {"succeeded": "delivered", "retry": "retried", "dead": "failed"}
# A header every task carries from the moment it is sent: the queue's oldest-task age reads it.
SENT_AT_HEADER = "timeledger_sent_at"
STATE_PREFIX = "metrics:state:"

PUNCHES = Counter(
    "timeledger_punches", "Punches recorded (counted when their transaction commits).", ["kind", "source"]
)
REQUESTS_DECIDED = Counter(
    "timeledger_requests_decided", "Adjustment and leave requests decided.", ["type", "decision"]
)
IMPORT_ROWS = Counter(
    "timeledger_import_rows", "Import rows processed, by phase and outcome.", ["phase", "outcome"]
)
IMPORT_PHASE_SECONDS = Histogram(
    "timeledger_import_phase_seconds",
    "How long an import phase took (one observation per preview, validation, merge or rollback).",
    ["phase"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
JOBS = Counter("timeledger_jobs", "Background jobs finished, by kind and outcome.", ["kind", "outcome"])
TASKS = Counter(
    "timeledger_celery_tasks", "Celery tasks run, by task, queue and state.", ["task", "queue", "state"]
)
TASK_SECONDS = Histogram(
    "timeledger_celery_task_seconds",
    "How long a Celery task ran.",
    ["task", "queue"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800),
)
DELIVERIES = Counter(
    "timeledger_deliveries",
    "Notification and webhook delivery attempts, by channel and outcome.",
    ["channel", "outcome"],
)
# The webhook outbox's own (apps.audit.webhooks): events written, attempts by outcome, attempt time, replays.
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
DEAD_LETTERS = Counter(
    "timeledger_dead_letters",
    "Deliveries given up after their last retry (they wait in the dead-letter list).",
    ["channel"],
)


def initialize() -> None:
    """Create every known label set at 0, so that a series exists before its first event (an alert on
    `increase(...)` needs a series to compare with). Called at import and in each worker pool process."""
    for kind in PUNCH_KINDS:
        for source in PUNCH_SOURCES:
            PUNCHES.labels(kind=kind, source=source)
    for request_type in REQUEST_TYPES:
        for decision in DECISIONS:
            REQUESTS_DECIDED.labels(type=request_type, decision=decision)
    for phase in IMPORT_PHASES:
        IMPORT_PHASE_SECONDS.labels(phase=phase)
    for outcome in ("valid", "invalid"):
        IMPORT_ROWS.labels(phase="preview", outcome=outcome)
        IMPORT_ROWS.labels(phase="validate", outcome=outcome)
    for outcome in ("created", "updated", "unchanged", "skipped"):
        IMPORT_ROWS.labels(phase="merge", outcome=outcome)
    IMPORT_ROWS.labels(phase="rollback", outcome="restored")
    for kind in JOB_KINDS:
        for outcome in JOB_OUTCOMES:
            JOBS.labels(kind=kind, outcome=outcome)
    for channel in DELIVERY_CHANNELS:
        DEAD_LETTERS.labels(channel=channel)
        for outcome in DELIVERY_OUTCOMES:
            DELIVERIES.labels(channel=channel, outcome=outcome)


initialize()


def _after_commit(function) -> None:
    transaction.on_commit(function)


def punch_recorded(*, kind: str, source: str) -> None:
    _after_commit(lambda: PUNCHES.labels(kind=kind, source=source).inc())


def request_decided(*, request_type: str, decision: str) -> None:
    _after_commit(lambda: REQUESTS_DECIDED.labels(type=request_type, decision=decision).inc())


def import_rows(*, phase: str, counts: dict[str, int]) -> None:
    """Rows of one phase by outcome, e.g. import_rows(phase="merge", counts={"created": 10, ...})."""
    for outcome, count in counts.items():
        if count:
            IMPORT_ROWS.labels(phase=phase, outcome=outcome).inc(count)


@contextlib.contextmanager
def import_phase(phase: str) -> Iterator[None]:
    """Time one import phase (also when it fails: a slow failure is still slow)."""
    started = time.monotonic()
    try:
        yield
    finally:
        IMPORT_PHASE_SECONDS.labels(phase=phase).observe(time.monotonic() - started)


def job_finished(*, kind: str, outcome: str) -> None:
    JOBS.labels(kind=kind, outcome=outcome).inc()


def delivery_recorded(*, channel: str, outcome: str) -> None:
    """One delivery attempt of a notification or webhook: delivered, retried (will be tried again) or
    failed (its last attempt: the delivery then goes to the dead letters, see dead_letter_recorded)."""
    DELIVERIES.labels(channel=channel, outcome=outcome).inc()


def dead_letter_recorded(*, channel: str) -> None:
    DEAD_LETTERS.labels(channel=channel).inc()


def task_finished(*, task: str, queue: str, state: str, seconds: float | None) -> None:
    TASKS.labels(task=task, queue=queue, state=state.lower()).inc()
    if seconds is not None:
        TASK_SECONDS.labels(task=task, queue=queue).observe(seconds)


# --- state kept across processes (in the default cache) ----------------------------------------------
def check_recorded(name: str, *, ok: bool, problems: int = 0) -> None:
    """The outcome of a periodic check (name "audit_chain"), whichever process ran it."""
    caches["default"].set(
        f"{STATE_PREFIX}{name}", {"ok": ok, "problems": problems, "at": time.time()}, timeout=None
    )


def run_succeeded(name: str) -> None:
    """A periodic run (name "retention") finished successfully now."""
    caches["default"].set(f"{STATE_PREFIX}{name}:success", time.time(), timeout=None)


def _state(key: str):
    try:
        return caches["default"].get(f"{STATE_PREFIX}{key}")
    except Exception:  # the cache is down: readiness says so; the metric is left out
        logger.warning("metrics state %s unreadable", key, exc_info=True)
        return None


# --- read at scrape time ------------------------------------------------------------------------------
_broker_client = None


def _broker():
    global _broker_client
    if _broker_client is None:
        import redis

        _broker_client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return _broker_client


def queue_names() -> dict[str, str]:
    """Queue label (imports, default, notifications) -> the Redis list holding its messages."""
    return {**settings.CELERY_QUEUE_NAMES, "default": settings.CELERY_TASK_DEFAULT_QUEUE}


def queue_state(now: float | None = None) -> dict[str, tuple[int, float]]:
    """Each queue's waiting tasks and the age of the oldest (0 when empty), read from Redis: kombu pushes
    on the left and workers pop from the right, so the oldest message is the last of the list."""
    now = now or time.time()
    client = _broker()
    state = {}
    for label, key in queue_names().items():
        length = client.llen(key)
        age = 0.0
        if length:
            raw = client.lindex(key, -1)
            with contextlib.suppress(ValueError, TypeError, KeyError):
                sent = float(json.loads(raw)["headers"][SENT_AT_HEADER])
                age = max(now - sent, 0.0)
        state[label] = (length, age)
    return state


class StateCollector(Collector):
    """Gauges computed when Prometheus asks: queues, readiness, database connections, the last audit-chain
    check and the last successful retention run. Each family fails on its own (logged, left out)."""

    def collect(self):
        for family in (self._queues, self._readiness, self._database, self._audit_chain, self._retention):
            try:
                yield from family()
            except Exception:
                logger.warning("metric family %s failed", family.__name__, exc_info=True)

    def _queues(self):
        if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
            return
        depth = GaugeMetricFamily(
            "timeledger_celery_queue_length", "Tasks waiting in a queue.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "timeledger_celery_queue_oldest_task_age_seconds",
            "Age of the oldest task waiting in a queue (0 when empty).",
            labels=["queue"],
        )
        for label, (length, oldest) in queue_state().items():
            depth.add_metric([label], length)
            age.add_metric([label], oldest)
        yield depth
        yield age

    def _readiness(self):
        from apps.core.health import run_checks

        ready = GaugeMetricFamily(
            "timeledger_ready",
            "1 when a readiness check (as /readyz runs it) passes, else 0.",
            labels=["check"],
        )
        for name, outcome in run_checks().items():
            ready.add_metric([name], 1 if outcome == "ok" else 0)
        yield ready

    def _database(self):
        connection = connections["default"]
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() GROUP BY 1"
            )
            rows = cursor.fetchall()
            cursor.execute("SELECT setting::int FROM pg_settings WHERE name = 'max_connections'")
            (maximum,) = cursor.fetchone()
        used = GaugeMetricFamily(
            "timeledger_database_connections",
            "Connections to this database, by state (pg_stat_activity).",
            labels=["state"],
        )
        states = {"active": 0, "idle": 0, "idle in transaction": 0, **dict(rows)}
        for state, count in sorted(states.items()):
            used.add_metric([state], count)
        yield used
        yield GaugeMetricFamily(
            "timeledger_database_max_connections", "The server's max_connections.", value=maximum
        )

    def _audit_chain(self):
        last = _state("audit_chain")
        checked = GaugeMetricFamily(
            "timeledger_audit_chain_last_check_timestamp_seconds",
            "When the audit hash chains were last verified (0: never).",
            value=last["at"] if last else 0,
        )
        yield checked
        if last:
            yield GaugeMetricFamily(
                "timeledger_audit_chain_ok", "1 when the last verification found every chain intact.",
                value=1 if last["ok"] else 0,
            )  # fmt: skip
            yield GaugeMetricFamily(
                "timeledger_audit_chains_broken", "Chains the last verification found broken.",
                value=last["problems"],
            )  # fmt: skip

    def _retention(self):
        last = _state("retention:success")
        yield GaugeMetricFamily(
            "timeledger_retention_last_success_timestamp_seconds",
            "When retention last ran to the end without error (0: never).",
            value=last or 0,
        )
        if last:
            yield GaugeMetricFamily(
                "timeledger_retention_seconds_since_success",
                "Seconds since retention last ran to the end without error.",
                value=max(time.time() - last, 0),
            )


STATE_REGISTRY = CollectorRegistry(auto_describe=False)
STATE_REGISTRY.register(StateCollector())


def process_registry() -> CollectorRegistry:
    """The counters of this process, or of every process sharing PROMETHEUS_MULTIPROC_DIR."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def multiprocess_directory_clear() -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR (a worker's, at its start) of other processes' files (a previous
    run's would be added again); this process's own stay (a solo pool counts in them)."""
    import os
    from pathlib import Path

    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return
    directory = Path(settings.PROMETHEUS_MULTIPROC_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    own = f"_{os.getpid()}.db"
    for entry in directory.glob("*.db"):
        if not entry.name.endswith(own):
            entry.unlink(missing_ok=True)


def worker_metrics_serve() -> None:
    """Serve this worker's metrics on CELERY_WORKER_METRICS_ADDR:CELERY_WORKER_METRICS_PORT (a thread of
    the worker's main process; the pool processes' counters come through the multiprocess directory)."""
    if not settings.CELERY_WORKER_METRICS_PORT:
        return
    from prometheus_client import start_http_server

    start_http_server(
        settings.CELERY_WORKER_METRICS_PORT,
        addr=settings.CELERY_WORKER_METRICS_ADDR,
        registry=process_registry(),
    )
    logger.info(
        "worker metrics on %s:%s", settings.CELERY_WORKER_METRICS_ADDR, settings.CELERY_WORKER_METRICS_PORT
    )
