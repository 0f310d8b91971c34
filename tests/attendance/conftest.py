"""Attendance fixtures: a default day shift, a night shift, a 2026 calendar and clients that punch at a
given moment (the server clock is moved with time-machine; the API never takes a client's time)."""

import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from apps.access import roles
from apps.attendance import hooks, services
from apps.attendance.models import ALL_WEEKDAYS, Holiday

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, tz=SHANGHAI) -> datetime:
    """'2026-03-02 09:00' in the organization's timezone."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


_clients: dict[int, APIClient] = {}


@pytest.fixture(autouse=True)
def _one_client_per_member():
    """Each new client loads the whole middleware stack once; reuse one per member within a test."""
    _clients.clear()
    yield
    _clients.clear()


def client_for(membership) -> APIClient:
    if membership.pk not in _clients:
        client = APIClient()
        client.force_authenticate(user=membership.user)
        _clients[membership.pk] = client
    return _clients[membership.pk]


def post_punch(client: APIClient, when: datetime | None, kind: str, key: str | None = None, **payload):
    body = {"kind": kind, **payload}
    headers = {"HTTP_IDEMPOTENCY_KEY": key or uuid.uuid4().hex}
    if when is None:
        return client.post("/api/attendance/punches", body, format="json", **headers)
    with time_machine.travel(when, tick=False):
        return client.post("/api/attendance/punches", body, format="json", **headers)


def get_record(client: APIClient, day: str, member: str | None = None) -> dict | None:
    query = {"from": day, "to": day, **({"member": member} if member else {})}
    response = client.get("/api/attendance/records", query)
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    return results[0] if results else None


@pytest.fixture
def day_shift(org):
    shift = services.shift_create(
        organization=org,
        name="Day",
        start_time=time(9),
        end_time=time(18),
        break_minutes=60,
        late_grace_minutes=10,
        early_grace_minutes=10,
    )
    services.policy_update(organization=org, default_shift=shift)
    return shift


@pytest.fixture
def night_shift(org):
    return services.shift_create(
        organization=org,
        name="Night",
        start_time=time(22),
        end_time=time(6),
        break_minutes=30,
        late_grace_minutes=5,
        early_grace_minutes=5,
    )


@pytest.fixture
def calendar_2026(org):
    services.holiday_set(organization=org, day=at("2026-04-06 00:00").date(), name="Qingming")
    services.holiday_set(
        organization=org, day=at("2026-03-07 00:00").date(), name="Makeup", kind=Holiday.Kind.MAKEUP_WORKDAY
    )


@pytest.fixture
def team(make_member, day_shift):
    """An approver with two reports, an outsider employee and an admin."""
    boss = make_member("alan", roles.APPROVER)
    return {
        "approver": boss,
        "emma": make_member("emma", roles.EMPLOYEE, manager=boss),
        "wang": make_member("wang", roles.EMPLOYEE, manager=boss),
        "olga": make_member("olga", roles.EMPLOYEE),
        "admin": make_member("ada", roles.ADMIN),
    }


@pytest.fixture
def night_worker(make_member, night_shift):
    member = make_member("sam", roles.EMPLOYEE)
    services.shift_assignment_create(member=member, shift=night_shift, weekdays=ALL_WEEKDAYS)
    return member


@pytest.fixture
def lock_dates():
    """`lock_dates(member, {date, ...})` registers a checker that locks those dates; removed afterwards."""
    checkers = []

    def register(member, dates):
        def checker(*, organization_id: int, member_ids, dates) -> set:
            return {(target, day) for day in dates if day in locked} if target in member_ids else set()

        target, locked = member.pk, set(dates)
        hooks.register_lock_checker(checker)
        checkers.append(checker)

    yield register
    for checker in checkers:
        hooks.unregister_lock_checker(checker)


requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrency test: SQLite serialises writers, so only PostgreSQL can show the race "
    "(run with DATABASE_URL=postgres://...).",
)


def http_json(base_url: str, method: str, path: str, *, token: str, body: dict | None = None, headers=None):
    """One real HTTP request to the live server (each server thread has its own database connection)."""
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})}
    # The test server's listen backlog is small: in a burst, a connection can be reset before its request is
    # read. A client then retries with the same Idempotency-Key, which is exactly what is under test.
    for attempt in range(5):
        request = urllib.request.Request(f"{base_url}{path}", data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except (ConnectionError, urllib.error.URLError):
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def bearer():
    """`bearer(membership)` -> a raw API token for that member's organization."""
    from apps.access.services import token_create

    def issue(membership) -> str:
        return token_create(user=membership.user, organization=membership.organization).raw

    return issue
