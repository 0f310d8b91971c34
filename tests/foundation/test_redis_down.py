"""With Redis down, signing in still works (the login limit goes on uncounted; axes counts in the database) and
a rate-limited endpoint answers 503 SERVICE_UNAVAILABLE with Retry-After at once, not a 500."""

import socket

import pytest

from apps.access import roles
from tests.factories import PASSWORD


@pytest.fixture
def redis_down(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    settings.RATELIMIT_ENABLE = True


def test_login_works_while_redis_is_down(client, make_member, redis_down):
    make_member("emma", roles.EMPLOYEE)
    response = client.post("/accounts/login/", {"username": "emma", "password": PASSWORD})

    assert response.status_code == 302


def test_a_rate_limited_endpoint_answers_503_with_retry_after(api_as, make_member, redis_down):
    admin = make_member("boss", roles.ADMIN)
    response = api_as(admin).post("/api/attendance-admin/users", {"username": "new"}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"] == "30"
