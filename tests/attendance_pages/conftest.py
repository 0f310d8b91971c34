"""Fixtures of the attendance page tests: a team on the day shift, leave types with a 2026 allowance, and
the server clock held at Wednesday 4 March 2026, 10:00 in Shanghai (time-machine), so that "today",
"this month" and the services' "not in the future" rules are fixed."""

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from apps.attendance import services
from apps.attendance.models import LeaveType
from tests.attendance.conftest import at, day_shift, lock_dates, night_shift  # noqa: F401 (fixtures)
from tests.attendance.conftest import team as team  # a fixture used here and by the tests

NOW = at("2026-03-04 10:00")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client():
    """A browser-like client: CSRF is checked, as it is for a real browser."""
    return Client(enforce_csrf_checks=True)


def csrf_token(client) -> str:
    if settings.CSRF_COOKIE_NAME not in client.cookies:
        client.get("/attendance/")
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.fixture
def signed_in(client):
    """`signed_in(membership)` -> the client, signed in as that member, with a CSRF cookie."""

    def sign_in(membership, language: str = "en"):
        client.force_login(membership.user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        csrf_token(client)
        return client

    return sign_in


def post(client, url: str, data: dict | None = None, *, htmx: bool = False, target: str = ""):
    headers = {"HTTP_X_CSRFTOKEN": csrf_token(client)}
    if htmx:
        headers["HTTP_HX_REQUEST"] = "true"
        if target:
            headers["HTTP_HX_TARGET"] = target
    return client.post(url, data or {}, **headers)


@pytest.fixture
def leave_types(org, team):
    annual = services.leave_type_create(
        organization=org, code="annual", name="Annual leave", yearly_allowance=10
    )
    services.leave_type_create(
        organization=org,
        code="sick-half",
        name="Sick (half days)",
        unit=LeaveType.Unit.HALF_DAY,
        yearly_allowance=5,
    )
    services.leave_type_create(
        organization=org, code="hours", name="Time off in lieu", unit=LeaveType.Unit.HOUR, yearly_allowance=8
    )
    services.leave_accrue_year(organization=org, year=2026)
    return annual
