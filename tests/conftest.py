"""Shared fixtures. Tests run on SQLite in-process by default, on PostgreSQL/Redis when
DATABASE_URL/REDIS_URL are set (make test passes them through)."""

import os
import time

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.access import roles
from tests.factories import MembershipFactory, OrganizationFactory

os.environ.setdefault("DJANGO_ENV", "test")

_DJANGO_DB_ARGS = ("transaction", "reset_sequences", "databases", "serialized_rollback", "available_apps")


def pytest_collection_modifyitems(items):
    """Every transactional test (live_server, transaction=True) uses serialized rollback.

    A transactional test empties the database when it ends. Without serialized rollback the next test starts
    without the rows the migrations made (the role groups above all); with it, they are put back. Applying the
    rule here means no test can forget it.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        options = dict(zip(_DJANGO_DB_ARGS, marker.args, strict=False)) | marker.kwargs if marker else {}
        fixtures = getattr(item, "fixturenames", ())
        transactional = (
            options.get("transaction") or "transactional_db" in fixtures or "live_server" in fixtures
        )
        if transactional and not options.get("serialized_rollback"):
            item.add_marker(
                pytest.mark.django_db(**(options | {"transaction": True, "serialized_rollback": True})),
                append=False,
            )


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (rate-limit and lockout counters live there). On Redis only
    this worker's key space is emptied (settings give each xdist worker its own prefix)."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads a test makes (the import tests, the demo seed) go to its own temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. LocaleMiddleware activates a request's language for the
    thread and leaves it active, so without this a test that rendered a Chinese page changes what the next
    test in the same worker renders outside a request."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def still_clock():
    """The clock stands still for the test. Rate-limit windows are fixed spans that django-ratelimit ends
    at a per-key second, so a test whose requests straddle that second would see its count start over (it
    happened in CI: four requests within 0.14 s, the fourth not refused). Tests that count requests
    against a limit take this fixture."""
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="acme", name="Acme", timezone="Asia/Shanghai")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(slug="globex", name="Globex", timezone="Europe/Berlin")


@pytest.fixture
def make_member(org):
    def make(username: str, *role_names: str, organization=None, **kwargs):
        return MembershipFactory(
            user__username=username,
            organization=organization or org,
            roles=list(role_names) or [roles.EMPLOYEE],
            **kwargs,
        )

    return make


@pytest.fixture
def admin_member(make_member):
    return make_member("boss", roles.ADMIN)


@pytest.fixture
def employee_member(make_member):
    return make_member("emma", roles.EMPLOYEE)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """`api_as(membership)` -> an APIClient logged in (session) as that membership's user."""

    def login(membership):
        api.force_authenticate(user=None)
        api.force_login(membership.user)
        return api

    return login
