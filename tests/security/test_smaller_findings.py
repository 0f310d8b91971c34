"""Issue 15's smaller findings, each through the public surface (docs/hardening.md lists what was decided):
a JSON body over the limit is 413 with a stable code, a raw-body upload from a browser session with its CSRF
token is stored, a bearer token's responses are not cached either, a client's X-Request-ID reaches an audit
entry only when it is a plain id, and an organization's timezone cannot be the host's (`localtime`) or
tzdata's placeholder (`Factory`)."""

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client

from apps.access import roles
from apps.access.models import Organization
from apps.access.services import token_create
from apps.audit.models import OperationLog
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_member):
    return make_member("boss", roles.ADMIN)


def test_a_json_body_over_the_limit_is_413_payload_too_large_and_writes_nothing(api_as, admin):
    body = json.dumps(
        {"username": "big", "displayName": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    api = api_as(admin)
    before = OperationLog.objects.count()

    response = api.generic("POST", "/api/attendance-admin/users", data=body, content_type="application/json")

    assert response.status_code == 413, response.content[:300]
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert OperationLog.objects.count() == before
    assert not Organization.objects.get(pk=admin.organization_id).memberships.filter(user__username="big")


def _browser_session(member) -> tuple[Client, str]:
    """A browser's session: signed in through the login form, the CSRF cookie as a page sets it."""
    browser = Client(enforce_csrf_checks=True)
    login_page = browser.get("/accounts/login/")
    token = login_page.cookies["csrftoken"].value
    signed_in = browser.post(
        "/accounts/login/",
        {"username": member.user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert signed_in.status_code == 302
    return browser, browser.cookies["csrftoken"].value


def test_a_raw_body_upload_from_a_browser_session_with_its_csrf_token_is_stored(make_member):
    browser, token = _browser_session(make_member("ivan", roles.IMPORTER))

    response = browser.generic(
        "POST",
        "/api/attendance/import/upload?filename=day.csv",
        data="工号,日期\nE1,2026-03-02\n".encode(),
        content_type="text/csv",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201, response.content[:300]
    assert response.json()["filename"] == "day.csv"


def test_the_same_upload_without_the_csrf_token_is_refused(make_member):
    browser, _ = _browser_session(make_member("ivan", roles.IMPORTER))

    response = browser.generic(
        "POST", "/api/attendance/import/upload?filename=day.csv", data=b"a,b\n1,2\n", content_type="text/csv"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_responses_to_a_bearer_token_are_not_stored_by_any_cache(api, admin):
    raw = token_create(user=admin.user, organization=admin.organization).raw

    response = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "given",
    [
        "evil\nforged-line",
        "x" * 65,
        "<script>alert(1)</script>",
        "id with spaces",
        "ünïcode",
    ],
)
def test_a_client_request_id_that_is_not_a_plain_id_never_reaches_the_audit_log(api_as, admin, given):
    response = api_as(admin).post(
        "/api/attendance-admin/users", {"username": "newbie"}, format="json", HTTP_X_REQUEST_ID=given
    )

    assert response.status_code == 201, response.json()
    entry = OperationLog.objects.get(action="access.member.create")
    assert entry.request_id == response["X-Request-ID"]
    assert entry.request_id != given
    assert 1 <= len(entry.request_id) <= 64


def test_a_plain_client_request_id_is_kept_in_the_audit_entry(api_as, admin):
    response = api_as(admin).post(
        "/api/attendance-admin/users", {"username": "newbie"}, format="json", HTTP_X_REQUEST_ID="lb-7f3a.92_x"
    )

    assert response.status_code == 201
    assert OperationLog.objects.get(action="access.member.create").request_id == "lb-7f3a.92_x"


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_an_organization_timezone_of_the_host_or_the_placeholder_zone_is_refused(client, admin, zone):
    client.force_login(admin.user)

    response = client.post("/admin-center/settings/attendance/timezone/", {"timezone": zone}, follow=True)

    assert "Choose a timezone from the list" in response.content.decode()
    assert Organization.objects.get(pk=admin.organization_id).timezone == "Asia/Shanghai"
    assert not OperationLog.objects.filter(action="attendance.organization_timezone.update").exists()
    offered = client.get("/admin-center/settings/attendance/timezone/").content.decode()
    assert f'value="{zone}"' not in offered
    assert 'value="Europe/Berlin"' in offered
