import pytest
from django.conf import settings
from django.test import Client

from apps.access import roles


@pytest.fixture
def client():
    """A browser-like client: CSRF is checked, as it is for a real browser."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def alan(make_member):
    return make_member("alan", roles.APPROVER, display_name="Alan Approver")


def csrf_token(client) -> str:
    """The CSRF token a page's form would carry: the cookie's secret (Django accepts it unmasked).
    Opens a page first when the client has no cookie yet, as a browser would: any page of the base layout
    has a form (the language switch), signed in or not."""
    if settings.CSRF_COOKIE_NAME not in client.cookies:
        client.get("/no-such-page/")
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.fixture
def nav_urls(settings):
    """Every navigation target resolves (to a stand-in page)."""
    settings.ROOT_URLCONF = "tests.frontend.urls"


@pytest.fixture
def only_attendance_urls(settings):
    """Only 'My attendance' resolves; the other apps' pages are not installed."""
    settings.ROOT_URLCONF = "tests.frontend.urls_partial"
