"""Liveness, readiness and metrics endpoints for load balancers, orchestrators and Prometheus."""

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from apps.core import metrics as product_metrics
from apps.core.exceptions import error_response
from apps.core.request_context import client_ip, ip_allowed

logger = logging.getLogger("timeledger.health")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive. Touches nothing, so a slow database never restarts healthy workers."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_migrations() -> None:
    # Every migration on disk must be recorded as applied, not just the leaves (a hand-faked leaf
    # would hide a missing ancestor); the loader already accounts for squashed migrations.
    loader = MigrationLoader(connections["default"])
    missing = sorted(set(loader.graph.nodes) - set(loader.applied_migrations))
    if missing:
        raise RuntimeError("not applied: " + ", ".join(f"{app}.{name}" for app, name in missing))


def _check_cache() -> None:
    cache = caches["default"]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _check_broker() -> None:
    from celery import current_app as app  # config.celery's app, made current when config loads

    with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        # One quick attempt: readiness must answer fast, and the probe itself retries.
        connection.ensure_connection(max_retries=0, timeout=2)


def configured_checks() -> dict:
    """The readiness checks this configuration needs, by name (also used by `manage.py preflight`)."""
    checks = {"database": _check_database, "migrations": _check_migrations}
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" not in backend and "dummy" not in backend:
        checks["cache"] = _check_cache
    if not settings.CELERY_BROKER_URL.startswith("memory://"):
        checks["broker"] = _check_broker
    return checks


def run_checks() -> dict[str, str]:
    """Each configured check's outcome: "ok", or why it failed."""
    results = {}
    for name, check in configured_checks().items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:
            logger.warning("readiness check %s failed: %s", name, error)
            results[name] = f"{type(error).__name__}: {error}"
    return results


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: database reachable, migrations applied, cache and broker reachable when configured.
    Answers 503 naming each failed check (the reasons go to the log, not to an anonymous caller)."""
    results = run_checks()
    failed = [name for name, outcome in results.items() if outcome != "ok"]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "failed" if name in failed else "ok" for name in results},
        "failed": failed,
    }
    return JsonResponse(body, status=503 if failed else 200)


# Callables run before each scrape to set gauges that are cheap to read from the database (an app above
# the kernel registers them in its AppConfig.ready(); a failing one is logged, not fatal).
_scrape_refreshers: list = []


def register_scrape_refresher(refresh) -> None:
    if refresh not in _scrape_refreshers:
        _scrape_refreshers.append(refresh)


def _refresh_gauges() -> None:
    for refresh in _scrape_refreshers:
        try:
            refresh()
        except Exception:
            logger.exception("metrics refresher %s failed", getattr(refresh, "__name__", refresh))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, only for loopback and METRICS_ALLOWED_CIDRS: the counters of every web process
    (django-prometheus' and apps.core.metrics'), then the state gauges read now (queues, readiness,
    database connections, audit chain, retention)."""
    if not ip_allowed(client_ip(request), settings.METRICS_ALLOWED_CIDRS):
        return error_response("IP_RESTRICTED", _("Metrics are not served to this address."), 403)
    _refresh_gauges()
    body = generate_latest(product_metrics.process_registry())
    body += generate_latest(product_metrics.STATE_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
