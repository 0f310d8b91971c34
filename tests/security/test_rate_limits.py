"""Rate limits: over the limit is 429 RATE_LIMITED with Retry-After (envelope for the API, a page for the
web UI), counted per user or, for anonymous callers, per real client address."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from apps.access import roles
from apps.access.models import Membership
from apps.audit.models import OperationLog
from apps.core.ratelimit import rate_limited

pytestmark = pytest.mark.django_db
ADMIN = "/api/attendance-admin"


def assert_limited_envelope(response, group: str) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "RATE_LIMITED" and error["details"]["group"] == group
    assert error["details"]["retryAfterSeconds"] == int(response["Retry-After"])


def test_admin_writes_are_limited_and_the_refused_one_changes_nothing(
    api_as, admin_member, make_member, limits
):
    limits(admin_write="3/m")
    client = api_as(admin_member)
    emma = make_member("emma")
    url = f"{ADMIN}/users/{emma.user_id}/roles/assign"
    for role in ("approver", "importer", "employee"):
        assert client.post(url, {"roles": [role]}, format="json").status_code == 200
    over = client.post(url, {"roles": ["admin"]}, format="json")
    assert_limited_envelope(over, "admin_write")
    assert not Membership.objects.filter(pk=emma.pk, roles__name=roles.ADMIN).exists()
    client.post(url, {"roles": ["admin"]}, format="json")
    # One entry per window for the refusals, not one per refused request.
    block = OperationLog.objects.get(action="access.ratelimit.block")
    assert (
        block.result == "denied" and block.actor_label == "boss" and block.details["group"] == "admin_write"
    )
    # Reads are not admin writes.
    assert client.get(f"{ADMIN}/users").status_code == 200


def test_limits_are_per_user(api_as, make_member, limits):
    limits(admin_write="1/m")
    first, second = make_member("first", roles.ADMIN), make_member("second", roles.ADMIN)
    body = {"username": "x1", "email": "x1@example.test"}
    assert api_as(first).post(f"{ADMIN}/users", body, format="json").status_code == 201
    assert api_as(first).post(f"{ADMIN}/users", body, format="json").status_code == 429
    assert api_as(second).post(f"{ADMIN}/users", body, format="json").status_code == 200


def test_audit_export_is_limited(api_as, admin_member, limits):
    limits(export="2/m")
    client = api_as(admin_member)
    for _ in range(2):
        assert client.get(f"{ADMIN}/audit-logs/export.csv").status_code == 200
    assert_limited_envelope(client.get(f"{ADMIN}/audit-logs/export.csv"), "export")


def login(client, username: str, password: str = "wrong", **extra):  # noqa: S107 - a wrong one on purpose
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_attempts_are_limited_per_address_with_a_readable_page(db, limits, make_member):
    limits(login="3/m")
    client = APIClient()
    for name in ("a", "b", "c"):  # many user names from one address
        assert login(client, name).status_code == 200
    over = login(client, "d")
    assert over.status_code == 429 and 1 <= int(over["Retry-After"]) <= 60
    assert over["Content-Type"].startswith("text/html") and b"Too many requests" in over.content
    assert client.get("/accounts/login/").status_code == 200  # showing the form is not an attempt


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_count(db, limits):
    limits(login="2/m")
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    statuses = [login(client, "x", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    # Behind a trusted proxy each real client has its own count.
    proxied = APIClient(REMOTE_ADDR="127.0.0.1")
    assert login(proxied, "x", HTTP_X_FORWARDED_FOR="198.51.100.50").status_code == 200


# --- the decorator, for views of other apps (imports upload / prepare / preview / commit / export) ------


def make_probe(group: str):
    class GroupProbe(APIView):
        @rate_limited(group)
        def post(self, request):
            return Response({"ok": True})

    return GroupProbe.as_view()


@pytest.mark.parametrize(
    "group", ["import_upload", "import_prepare", "import_preview", "import_commit", "export"]
)
def test_the_decorator_limits_a_drf_view_for_each_configured_group(group, limits, make_member):
    limits(**{group: "2/m"})
    view, user = make_probe(group), make_member("uploader", roles.IMPORTER).user
    factory = APIRequestFactory()

    def call():
        request = factory.post("/api/attendance/import/probe", {}, format="json")
        force_authenticate(request, user=user)
        response = view(request)
        response.render()
        return response

    assert [call().status_code for _ in range(2)] == [200, 200]
    limited = call()
    assert limited.status_code == 429 and limited["Retry-After"]
    assert b'"code":"RATE_LIMITED"' in limited.content.replace(b" ", b"")


def test_the_decorator_on_a_plain_view_answers_json_under_api_and_a_page_elsewhere(limits, db):
    limits(export="1/m")

    @rate_limited("export")
    def plain(request):
        return HttpResponse("fine")

    factory = RequestFactory()
    cases = (("/api/thing.csv", "application/json", "10.9.9.1"), ("/reports/thing", "text/html", "10.9.9.2"))
    for path, content_type, address in cases:
        requests = [factory.get(path, REMOTE_ADDR=address) for _ in range(2)]
        for request in requests:
            request.user = AnonymousUser()
        assert plain(requests[0]).status_code == 200
        limited = plain(requests[1])
        assert limited.status_code == 429 and limited["Content-Type"].startswith(content_type)
        assert limited["Retry-After"]
