"""Repeated failed sign-ins lock the user name at that address for a while (django-axes), audited;
production session cookies are Secure, HttpOnly and SameSite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from apps.audit.models import OperationLog
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_failures_lock_the_account_at_that_address_and_are_audited(make_member, settings):
    make_member("emma")
    client = Client(REMOTE_ADDR="198.51.100.1")
    statuses = [login(client, "emma", "wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    locked = login(client, "emma", PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and b"Too many failed sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session
    failures = OperationLog.objects.filter(action="access.session.login", result="denied")
    assert failures.count() >= settings.AXES_FAILURE_LIMIT
    lockout = OperationLog.objects.filter(action="access.session.lockout").first()
    assert lockout.details["username"] == "emma" and lockout.details["address"] == "198.51.100.1"
    # Another address is not locked out of the same account.
    other = Client(REMOTE_ADDR="198.51.100.2")
    assert login(other, "emma", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(make_member, settings):
    make_member("emma")
    client = Client(REMOTE_ADDR="198.51.100.3")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "emma", "wrong")
    assert login(client, "emma", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "emma", "wrong").status_code == 200


def test_production_session_cookies_are_secure_httponly_and_samesite():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 30 + "production-like-secret-value-0123456789",
        "ALLOWED_HOSTS": "timeledger.example",
        "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.CSRF_COOKIE_SECURE, s.RATE_LIMITS['login'], s.CACHES['default']['BACKEND']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    secure, httponly, samesite, csrf_secure, login_rate, cache = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert (secure, httponly, samesite, csrf_secure) == (True, True, "Lax", True)
    assert login_rate == "10/m" and cache == "django_redis.cache.RedisCache"  # counters shared through Redis
