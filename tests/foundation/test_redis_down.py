"""With Redis down, signing in still works (the login limit goes on uncounted; axes counts in the database) and
every rate-limited endpoint (admin writes, exports, upload, prepare, preview, commit, rollback) answers 503
SERVICE_UNAVAILABLE with Retry-After at once, not a 500 and not after a long wait. Redis is a real closed
port (127.0.0.1:1: nothing listens there, so each connection is refused), not a mock."""

import time

import pytest

from apps.access import roles
from apps.audit.models import OperationLog
from apps.imports.models import ImportBatch, Upload
from tests.factories import PASSWORD

# The 2 s socket timeouts of production's cache settings: a refused connection must not wait for them, nor
# retry. Each timed request follows a warm one (the first request of a process loads URLs and templates).
QUICK_SECONDS = 2.0
CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """`redis_down()`: from now on the default cache (the rate-limit counters) is Redis on a closed port,
    with production's timeouts."""

    def go_down():
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": CLOSED_PORT,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
            }
        }
        settings.RATELIMIT_ENABLE = True

    return go_down


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_login_works_while_redis_is_down(client, make_member, redis_down):
    make_member("emma", roles.EMPLOYEE)
    client.post("/accounts/login/", {"username": "emma", "password": PASSWORD})
    client.post("/accounts/logout/")
    redis_down()

    response, seconds = timed(
        lambda: client.post("/accounts/login/", {"username": "emma", "password": PASSWORD})
    )

    assert response.status_code == 302
    assert seconds < QUICK_SECONDS
    assert client.get("/attendance/").status_code == 200


def test_failed_sign_ins_still_lock_out_while_redis_is_down(client, make_member, redis_down, settings):
    make_member("emma", roles.EMPLOYEE)
    redis_down()

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "emma", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "emma", "password": PASSWORD})

    assert locked.status_code == 429
    assert OperationLog.objects.filter(action="access.session.lockout").exists()


def assert_quick_503(response, seconds):
    assert response.status_code == 503, response.content[:300]
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"] == "30"
    assert seconds < QUICK_SECONDS, f"took {seconds:.2f} s"


ADMIN_CALLS = {
    "admin-write": ("post", "/api/attendance-admin/users", {"username": "new"}),
    "audit-export": ("get", "/api/attendance-admin/audit-logs/export.csv", None),
    "records-export": ("get", "/api/attendance/records/export.csv", None),
    "report-export": ("get", "/api/attendance/reports/leave-summary/export.csv?year=2026", None),
}


@pytest.mark.parametrize("name", ADMIN_CALLS)
def test_a_rate_limited_endpoint_answers_503_with_retry_after_quickly(name, api_as, make_member, redis_down):
    method, path, body = ADMIN_CALLS[name]
    client = api_as(make_member("boss", roles.ADMIN))
    assert client.get("/api/me").status_code == 200
    redis_down()

    response, seconds = timed(lambda: getattr(client, method)(path, body, format="json"))

    assert_quick_503(response, seconds)
    assert not OperationLog.objects.filter(action="access.member.create").exists()


def test_every_import_step_answers_503_quickly_and_writes_nothing(api_as, make_member, redis_down):
    make_member("zhang", external_id="u0001", employee_no="E1")
    client = api_as(make_member("ivan", roles.IMPORTER))
    base = "/api/attendance/import"
    csv = "工号,日期,上班1打卡时间,下班1打卡时间\nE1,2026-03-02,09:00,18:00\n".encode()
    upload_id = client.generic(
        "POST", f"{base}/upload?filename=a.csv", data=csv, content_type="text/csv"
    ).json()["id"]
    token = client.post(f"{base}/prepare", {"uploadId": upload_id}, format="json").json()["commitToken"]
    committed = client.post(
        f"{base}/commit", {"commitToken": token, "idempotencyKey": "first"}, format="json"
    )
    assert committed.status_code in {200, 201}, committed.json()
    batch_id = committed.json()["batch"]["id"] if "batch" in committed.json() else committed.json()["id"]
    uploads, batches = Upload.objects.count(), ImportBatch.objects.count()
    redis_down()

    calls = {
        "upload": lambda: client.generic(
            "POST", f"{base}/upload?filename=b.csv", data=csv, content_type="text/csv"
        ),
        "prepare": lambda: client.post(f"{base}/prepare", {"uploadId": upload_id}, format="json"),
        "preview": lambda: client.post(f"{base}/preview", {"uploadId": upload_id}, format="json"),
        "commit": lambda: client.post(
            f"{base}/commit", {"commitToken": token, "idempotencyKey": "second"}, format="json"
        ),
        "rollback": lambda: client.post(f"{base}/batches/{batch_id}/rollback"),
        "errors-export": lambda: client.get(f"{base}/batches/{batch_id}/errors.csv"),
    }
    for name, call in calls.items():
        response, seconds = timed(call)
        assert_quick_503(response, seconds), name

    assert (Upload.objects.count(), ImportBatch.objects.count()) == (uploads, batches)
    assert ImportBatch.objects.get(pk=batch_id).status == "completed"
