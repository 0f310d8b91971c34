"""Celery configuration and tasks; `tokens purge`, `preflight` and `smoke`. The tests marked redis run a
real worker process against Redis."""

import json
import os
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from apps.access.models import ApiToken
from apps.access.services import token_create
from apps.access.tasks import tokens_purge_expired
from apps.audit.models import OperationLog
from apps.core.tasks import diagnostics_ping
from config.celery import app

pytestmark = [
    pytest.mark.django_db,
    # send_task always goes through the broker, which is the point here; Celery warns that eager is ignored.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.filterwarnings("ignore:Results are not stored in backend:RuntimeWarning"),
]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def tokens(employee_member):
    """One live token and three dead ones: two dead long ago, one recently."""
    now = timezone.now()
    user = employee_member.user
    live, old_revoked, old_expired, recent = (token_create(user=user, name=n).token for n in "abcd")
    ApiToken.objects.filter(pk=old_revoked.pk).update(revoked_at=now - timedelta(days=40))
    ApiToken.objects.filter(pk=old_expired.pk).update(expires_at=now - timedelta(days=31))
    ApiToken.objects.filter(pk=recent.pk).update(revoked_at=now - timedelta(days=5))
    OperationLog.objects.all().delete()
    return {"live": live, "recent": recent}


def test_celery_is_configured_for_safe_redelivery_and_json_only():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json" and app.conf.result_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    if settings.REDIS_URL:
        assert app.conf.broker_url.startswith("redis://")


def test_every_scheduled_task_is_a_registered_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "access.tokens_purge_expired" in scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)


def test_purge_deletes_only_long_dead_tokens_once_with_one_audit_line(tokens):
    assert "Deleted 2 token(s)" in run("tokens", "purge")
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {tokens["live"].pk, tokens["recent"].pk}
    (entry,) = OperationLog.objects.all()
    assert entry.action == "access.token.purge" and entry.details["count"] == 2

    assert "Deleted 0 token(s)" in run("tokens", "purge")  # a retry changes nothing
    assert ApiToken.objects.count() == 2 and OperationLog.objects.count() == 1


def test_purge_with_a_shorter_window_takes_the_recent_one_too(tokens):
    assert "Deleted 3 token(s)" in run("tokens", "purge", "--older-than-days", "1")
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [tokens["live"].pk]


@pytest.mark.parametrize("days", ["0", "-3"])
def test_purge_refuses_a_window_under_one_day_and_deletes_nothing(tokens, days):
    with pytest.raises(CommandError, match="VALIDATION_ERROR"):
        run("tokens", "purge", "--older-than-days", days)
    assert ApiToken.objects.count() == 4 and OperationLog.objects.count() == 0


def test_purge_task_runs_eagerly_in_tests(tokens):
    assert tokens_purge_expired.delay().get(timeout=10) == 2
    assert ApiToken.objects.count() == 2


def test_preflight_passes_on_a_healthy_setup():
    out = run("preflight")
    assert "configuration  ok" in out and "database       ok" in out and "migrations     ok" in out
    assert "Preflight passed" in out
    if settings.REDIS_URL:
        assert "cache" in out and "broker" in out


def test_preflight_fails_naming_the_cache_and_broker_when_redis_is_down(settings, closed_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        }
    }
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    with pytest.raises(CommandError, match=r"Preflight failed: cache, broker\."):
        run("preflight")


def test_preflight_fails_naming_an_unapplied_migration():
    MigrationRecorder.Migration.objects.filter(app="access", name="0003_membership_external_id").delete()
    out = StringIO()
    with pytest.raises(CommandError, match=r"Preflight failed: migrations\."):
        call_command("preflight", stdout=out)
    assert "access.0003_membership_external_id" in out.getvalue()


def test_preflight_fails_on_a_configuration_error(settings):
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if not name.endswith("AuthenticationMiddleware")
    ]
    out = StringIO()
    with pytest.raises(CommandError, match=r"Preflight failed: configuration\."):
        call_command("preflight", stdout=out)
    assert "admin.E408" in out.getvalue()


def test_smoke_passes_with_eager_tasks():
    out = run("smoke")
    assert "/healthz  ok  200" in out and "/readyz   ok  200" in out
    assert "round trip eager" in out and "Smoke test passed" in out


def test_smoke_fails_naming_readyz_when_a_dependency_is_down(settings, closed_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    with pytest.raises(CommandError, match=r"Smoke test failed: /readyz\."):
        run("smoke")


@pytest.mark.redis
def test_a_task_round_trips_through_redis_to_a_real_worker(celery_worker_process):
    result = app.send_task(diagnostics_ping.name, args=["hello"], queue=celery_worker_process.queue)
    answer = result.get(timeout=60)
    assert answer["pong"] == "hello"
    assert result.state == "SUCCESS"
    # The worker logs JSON lines through our LOGGING too (Celery does not replace the root handler).
    # (Python's own warnings, such as running as root, are printed before logging starts.)
    text = celery_worker_process.log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    # "received" is logged before the task runs, so before its result exists ("succeeded" comes after).
    assert any(result.id in line["message"] and "received" in line["message"] for line in lines), lines


@pytest.mark.redis
def test_smoke_through_the_broker_passes_with_a_worker(celery_worker_process):
    queue = celery_worker_process.queue
    out = run("smoke", "--through-broker", "--queue", queue, "--timeout", "60")
    assert f"via queue '{queue}'" in out and "Smoke test passed" in out


@pytest.mark.redis
def test_smoke_through_the_broker_fails_when_no_worker_consumes(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs a real Redis: set REDIS_URL")
    queue = f"nobody-consumes-{uuid.uuid4().hex[:12]}"
    try:
        with pytest.raises(CommandError, match=r"Smoke test failed: task\."):
            run("smoke", "--through-broker", "--queue", queue, "--timeout", "2")
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_purge_task_in_a_real_worker_deletes_committed_rows(celery_worker_process, tokens):
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("the worker shares the test database only on PostgreSQL (set DATABASE_URL)")
    result = app.send_task(
        tokens_purge_expired.name, kwargs={"older_than_days": 30}, queue=celery_worker_process.queue
    )
    assert result.get(timeout=60) == 2
    assert ApiToken.objects.count() == 2
    assert OperationLog.objects.filter(action="access.token.purge").count() == 1


def test_a_token_prefix_never_starts_with_a_dash_so_the_command_line_takes_it(employee_member, monkeypatch):
    # Randomness is the one thing replaced here: the first draw is one that starts with a dash.
    draws = iter(["-dashfirst" + "a" * 33, "plainone" + "b" * 35])
    monkeypatch.setattr("apps.access.services.secrets.token_urlsafe", lambda nbytes: next(draws))
    token = token_create(user=employee_member.user).token
    assert token.prefix == "plainone"
    assert "Revoked" in run("tokens", "revoke", token.prefix)
