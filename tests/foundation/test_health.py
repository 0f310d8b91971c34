"""/healthz (alive, touches nothing), /readyz (dependencies, 503 naming what failed), /metrics (loopback or
configured networks only)."""

import json
import os

import pytest
from django.db.migrations.recorder import MigrationRecorder

from tests.foundation.conftest import run_python

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache_at_closed_port(settings, closed_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


def test_healthz_answers_without_touching_database_or_cache(
    client, django_assert_num_queries, redis_cache_at_closed_port
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_200_when_everything_configured_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"


def test_readyz_is_503_naming_the_cache_when_redis_is_down(client, redis_cache_at_closed_port):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"] == {"database": "ok", "migrations": "ok", "cache": "failed"} | (
        {"broker": "ok"} if "broker" in body["checks"] else {}
    )


def test_readyz_is_503_naming_the_broker_when_the_broker_is_down(client, settings, closed_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_readyz_names_every_failed_dependency_at_once(
    client, settings, closed_port, redis_cache_at_closed_port
):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert sorted(response.json()["failed"]) == ["broker", "cache"]


def test_readyz_is_503_naming_migrations_when_one_is_not_applied(client):
    # The database as Django sees it after a deploy shipped code whose migration did not run yet.
    MigrationRecorder.Migration.objects.filter(app="access", name="0003_membership_external_id").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]


def test_readyz_logs_why_a_check_failed(client, captured_log, redis_cache_at_closed_port):
    client.get("/readyz")
    assert "readiness check cache failed" in captured_log.getvalue()


def test_metrics_serves_prometheus_text_to_loopback(client):
    client.get("/healthz")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "# TYPE django_http_requests_before_middlewares_total counter" in text
    assert 'django_http_responses_total_by_status_total{status="200"}' in text


@pytest.mark.parametrize(
    ("peer", "forwarded_for"),
    [
        pytest.param("203.0.113.9", "", id="outside-address"),
        pytest.param("203.0.113.9", "127.0.0.1", id="spoofed-forwarded-for-from-untrusted-peer"),
        pytest.param("127.0.0.1", "203.0.113.9", id="outside-client-behind-our-proxy"),
    ],
)
def test_metrics_refuses_other_addresses_with_a_403_envelope(client, peer, forwarded_for):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    response = client.get("/metrics", REMOTE_ADDR=peer, **extra)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "IP_RESTRICTED"
    assert b"django_http" not in response.content


def test_metrics_serves_a_configured_network(client, settings):
    settings.METRICS_ALLOWED_CIDRS = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


READYZ_PROBE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_readyz_turns_503_when_redis_url_points_at_a_closed_port(tmp_path, closed_port):
    """The whole path from the environment: REDIS_URL feeds both the cache and the broker."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port}/0",
    }
    result = run_python(["-c", READYZ_PROBE], env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert {"cache", "broker"} <= set(answer["body"]["failed"])
    assert answer["body"]["checks"]["database"] == "ok"
