"""Per-organization IP allowlists for the admin API and Admin Center (optionally the whole API)."""

import pytest
from rest_framework.test import APIClient

from apps.access import roles
from apps.access.services import token_create
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db
URL = "/api/attendance-admin/settings/ip-allowlist"


def allow(organization, *cidrs: str, all_api: bool = False) -> None:
    organization.settings = {
        **organization.settings,
        "ipAllowlist": {"admin": list(cidrs), "allApi": all_api},
    }
    organization.save()


@pytest.fixture
def admin_client(admin_member):
    def make(address: str = "127.0.0.1", **headers) -> APIClient:
        client = APIClient(REMOTE_ADDR=address, **headers)
        client.force_login(admin_member.user)
        return client

    return make


def test_saving_a_list_that_includes_my_address_normalises_it(admin_client, org):
    response = admin_client().put(
        URL,
        {"admin": ["127.0.0.1", "10.1.2.3/8", "2001:DB8::/32", "10.0.0.0/8"], "allApi": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "admin": ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"],
        "allApi": True,
        "yourAddress": "127.0.0.1",
    }
    org.refresh_from_db()
    assert org.settings["ipAllowlist"]["admin"] == ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"]
    entry = OperationLog.objects.get(action="access.ip_allowlist.update")
    assert entry.details["after"]["allApi"] is True and entry.details["clientIp"] == "127.0.0.1"
    # A retry saves the same list and records nothing new.
    admin_client().put(
        URL, {"admin": ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"], "allApi": True}, format="json"
    )
    assert OperationLog.objects.filter(action="access.ip_allowlist.update").count() == 1


def test_a_list_without_my_address_is_refused_with_would_lock_out(admin_client, org):
    response = admin_client().put(URL, {"admin": ["10.0.0.0/8"]}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "WOULD_LOCK_OUT",
        "message": "Your own address (127.0.0.1) is not in the list; saving it would lock you out.",
        "details": {"yourAddress": "127.0.0.1"},
    }
    org.refresh_from_db()
    assert "ipAllowlist" not in org.settings
    assert OperationLog.objects.get(action="access.ip_allowlist.update").result == "failed"


def test_behind_a_trusted_proxy_my_address_is_the_forwarded_one(admin_client, org):
    client = admin_client("127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert (
        client.put(URL, {"admin": ["127.0.0.1"]}, format="json").json()["error"]["code"] == "WOULD_LOCK_OUT"
    )
    assert client.put(URL, {"admin": ["198.51.100.0/24"]}, format="json").status_code == 200


@pytest.mark.parametrize(
    "entries",
    [["300.1.1.1"], ["10.0.0.0/33"], ["example.com"], ["2001:db8::/129"], [""], ["127.0.0.1"] * 201],
)
def test_invalid_entries_are_a_validation_error_and_nothing_is_saved(admin_client, org, entries):
    response = admin_client().put(URL, {"admin": entries}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"
    org.refresh_from_db()
    assert "ipAllowlist" not in org.settings


def test_an_empty_list_lifts_the_restriction(admin_client, org):
    allow(org, "127.0.0.1/32")
    assert admin_client().put(URL, {"admin": []}, format="json").json()["admin"] == []
    assert admin_client("203.0.113.5").get("/api/attendance-admin/users").status_code == 200


def test_the_admin_api_refuses_addresses_outside_the_list(admin_client, org):
    allow(org, "10.0.0.0/8", "2001:db8::/32")
    refused = admin_client("203.0.113.5").get("/api/attendance-admin/users")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "IP_RESTRICTED"
    assert admin_client("10.20.30.40").get("/api/attendance-admin/users").status_code == 200
    assert admin_client("2001:db8::5").get("/api/attendance-admin/users").status_code == 200
    assert admin_client("203.0.113.5").get("/api/me").status_code == 200  # not the admin API
    denial = OperationLog.objects.get(action="access.ip_allowlist.deny")
    assert denial.result == "denied" and denial.details["address"] == "203.0.113.5"


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(admin_client, org):
    allow(org, "10.0.0.0/8")
    spoofed = admin_client("203.0.113.5", HTTP_X_FORWARDED_FOR="10.1.1.1").get("/api/attendance-admin/users")
    assert spoofed.status_code == 403
    proxied = admin_client("127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1").get("/api/attendance-admin/users")
    assert proxied.status_code == 200


def test_all_api_extends_the_list_to_every_api_call(admin_client, org, make_member):
    allow(org, "10.0.0.0/8", all_api=True)
    assert admin_client("203.0.113.5").get("/api/me").json()["error"]["code"] == "IP_RESTRICTED"
    employee = APIClient(REMOTE_ADDR="203.0.113.5")
    employee.force_login(make_member("emma").user)
    assert employee.get("/api/me").status_code == 403


def test_bearer_tokens_are_held_to_the_list_too(org, admin_member):
    allow(org, "10.0.0.0/8")
    raw = token_create(user=admin_member.user, organization=org).raw
    outside = APIClient(REMOTE_ADDR="203.0.113.5").get(
        "/api/attendance-admin/users", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "IP_RESTRICTED"
    inside = APIClient(REMOTE_ADDR="10.0.0.9").get(
        "/api/attendance-admin/users", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert inside.status_code == 200


def test_the_admin_center_shows_a_readable_page(admin_client, org):
    allow(org, "10.0.0.0/8")
    page = admin_client("203.0.113.5").get("/admin-center/")
    assert page.status_code == 403 and b"Not allowed from this address" in page.content


def test_another_organizations_list_does_not_apply(admin_client, org, other_org):
    allow(other_org, "10.0.0.0/8")
    assert admin_client("203.0.113.5").get("/api/attendance-admin/users").status_code == 200


def test_only_admins_may_read_or_change_the_list(api_as, make_member, org):
    client = api_as(make_member("approver", roles.APPROVER))
    assert client.get(URL).status_code == 403
    assert client.put(URL, {"admin": []}, format="json").status_code == 403
