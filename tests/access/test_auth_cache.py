"""Who a request is comes from the cache once warm (apps/access/auth_cache.py), and every change of it is
seen on the very next request: a revoked token, a deactivated member or account, a removed role, a new
IP allowlist. Each test warms the cache first (the same request succeeds twice), then changes one thing
through the public surface and asks again."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.access import roles
from apps.access.models import ApiToken
from apps.access.services import token_create

pytestmark = pytest.mark.django_db
ADMIN = "/api/attendance-admin"
RECORDS = "/api/attendance/records"
# The tables that say who a request is: its token, session, user, membership, roles and permissions.
WHO = re.compile(r"(access_apitoken|access_membership|access_membership_roles|auth_\w+|django_session)$")


def _table(sql: str) -> str:
    """The table a query reads first (not its subqueries')."""
    return sql.split(' FROM "', 1)[1].split('"', 1)[0] if ' FROM "' in sql else ""


@pytest.fixture
def admin_api(api_as, admin_member):
    return api_as(admin_member)


def bearer_client(member, **extra) -> APIClient:
    raw = token_create(user=member.user, organization=member.organization).raw
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def warm(client, path: str = "/api/me") -> None:
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200


def access_queries(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries if WHO.match(_table(q["sql"]))]


def test_a_warm_token_request_reads_no_token_membership_or_role(make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    client = bearer_client(emma)
    warm(client, RECORDS)
    assert access_queries(client, RECORDS) == []


def test_a_warm_session_request_reads_no_membership_or_role(make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    client = APIClient()
    client.force_login(emma.user)
    warm(client, RECORDS)
    # The session and its user are still read (Django checks the user's password hash); memberships and
    # roles are not.
    assert [_table(sql) for sql in access_queries(client, RECORDS)] == ["django_session", "auth_user"]


def test_a_revoked_token_is_refused_on_the_next_request(make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    client = bearer_client(emma)
    warm(client)
    call_command("tokens", "revoke", ApiToken.objects.get().prefix, stdout=StringIO())
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_REVOKED"


def test_a_token_that_expires_while_cached_is_refused(make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    raw = token_create(user=emma.user, organization=emma.organization, expires_days=1).raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    warm(client)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_EXPIRED"


def test_a_deactivated_member_is_refused_at_once_by_token_and_session(admin_api, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    phone = bearer_client(emma)
    browser = APIClient()
    browser.force_login(emma.user)
    warm(phone)
    warm(browser)
    assert admin_api.post(f"{ADMIN}/users/{emma.user_id}/deactivate").status_code == 200
    assert phone.get("/api/me").status_code == 401
    assert browser.get("/api/me").status_code in {401, 403}


def test_a_deactivated_account_is_refused_at_once(make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    client = bearer_client(emma)
    warm(client)
    emma.user.is_active = False
    emma.user.save()
    assert client.get("/api/me").status_code == 401


def test_a_removed_role_stops_working_at_once(admin_api, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    phone = bearer_client(emma)
    browser = APIClient()
    browser.force_login(emma.user)
    warm(phone, RECORDS)
    warm(browser, RECORDS)
    response = admin_api.post(
        f"{ADMIN}/users/{emma.user_id}/roles/unassign", {"roles": [roles.EMPLOYEE]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert phone.get(RECORDS).status_code == 403
    assert browser.get(RECORDS).status_code == 403


def test_a_role_removed_in_a_batch_stops_working_at_once(admin_api, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    phone = bearer_client(emma)
    warm(phone, RECORDS)
    response = admin_api.post(
        f"{ADMIN}/roles/batch-unassign", {"users": ["emma"], "roles": [roles.EMPLOYEE]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert phone.get(RECORDS).status_code == 403


def test_a_role_given_works_at_once(admin_api, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    phone = bearer_client(emma)
    warm(phone)
    assert phone.get("/api/me").json()["roles"] == [roles.EMPLOYEE]
    response = admin_api.post(
        f"{ADMIN}/users/{emma.user_id}/roles/assign", {"roles": [roles.APPROVER]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert sorted(phone.get("/api/me").json()["roles"]) == sorted([roles.EMPLOYEE, roles.APPROVER])


def test_a_new_ip_allowlist_holds_at_once_for_a_warm_token(admin_api, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    phone = bearer_client(emma, REMOTE_ADDR="10.9.9.9")
    warm(phone, RECORDS)
    response = admin_api.put(
        f"{ADMIN}/settings/ip-allowlist", {"admin": ["127.0.0.1"], "allApi": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    response = phone.get(RECORDS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "IP_RESTRICTED"
