"""API tokens: issued by command or service, shown once, stored hashed, expiring and revocable."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.access.models import ApiToken
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db


def create_token(username: str, *extra: str) -> str:
    out = StringIO()
    call_command("tokens", "create", "--user", username, *extra, stdout=out)
    return out.getvalue()


def test_create_prints_only_the_raw_token_and_stores_its_hash(employee_member):
    printed = create_token("emma", "--expires-days", "30")
    raw = printed.strip()
    assert printed == raw + "\n"
    assert raw.startswith("tl_") and len(raw) > 40
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.prefix, token.key_hash, token.name}
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_bearer_token_authenticates_me_and_records_last_use(api, employee_member):
    raw = create_token("emma").strip()
    response = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "emma"
    assert body["organization"]["slug"] == "acme"
    assert body["roles"] == ["attendance_employee"]
    assert body["auth"] == "token"
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer tl_not-a-real-token-value-at-all-0000000000", "TOKEN_INVALID"),
        ("Bearer not-even-our-format", "TOKEN_INVALID"),
        ("Bearer two words", "TOKEN_INVALID"),
    ],
)
def test_bad_tokens_get_401_with_a_stable_code(api, employee_member, header, code):
    response = api.get("/api/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"] == "Bearer"


def test_expired_token_gets_401_token_expired(api, employee_member):
    raw = create_token("emma", "--expires-days", "1").strip()
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_EXPIRED"


def test_revoke_by_prefix_then_401_and_revoking_again_is_harmless(api, employee_member):
    raw = create_token("emma").strip()
    prefix = ApiToken.objects.get().prefix
    out = StringIO()
    call_command("tokens", "revoke", prefix, stdout=out)
    assert "Revoked" in out.getvalue()
    call_command("tokens", "revoke", prefix, stdout=StringIO())  # a retry changes nothing
    response = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_REVOKED"
    assert OperationLog.objects.filter(action="access.token.revoke").count() == 1


def test_list_shows_status_but_never_the_raw_token(employee_member):
    raw = create_token("emma").strip()
    out = StringIO()
    call_command("tokens", "list", stdout=out)
    listing = out.getvalue()
    assert "emma" in listing and "active" in listing
    assert raw not in listing and raw[3:] not in listing


def test_token_create_and_revoke_are_audited_without_the_secret(employee_member):
    raw = create_token("emma").strip()
    call_command("tokens", "revoke", str(ApiToken.objects.get().pk), stdout=StringIO())
    entries = OperationLog.objects.order_by("id")
    assert [e.action for e in entries] == ["access.token.create", "access.token.revoke"]
    assert all(raw not in str(e.details) for e in entries)
    assert entries[0].organization is None and entries[0].target_type == "access.apitoken"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--user", "nobody"], "USER_NOT_FOUND"),
        (["create", "--user", "emma", "--expires-days", "0"], "VALIDATION_ERROR"),
        (["create", "--user", "emma", "--org", "globex"], "ORGANIZATION_NOT_FOUND"),
        (["revoke", "zzzzzzzz"], "TOKEN_NOT_FOUND"),
    ],
)
def test_bad_command_input_is_a_clear_error_and_writes_nothing(employee_member, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("tokens", *args, stdout=StringIO())
    assert ApiToken.objects.count() == 0
    assert OperationLog.objects.count() == 0


def test_org_bound_token_acts_in_that_organization(api, make_member, other_org):
    make_member("multi")
    make_member("multi", organization=other_org)
    raw = create_token("multi", "--org", "globex").strip()
    response = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["organization"]["slug"] == "globex"
    assert {o["slug"] for o in response.json()["organizations"]} == {"acme", "globex"}


def test_api_json_is_camel_case(api, employee_member):
    raw = create_token("emma").strip()
    membership = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["membership"]
    assert membership["employeeNo"] == employee_member.employee_no
    assert "employee_no" not in membership
