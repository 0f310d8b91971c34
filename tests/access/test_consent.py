"""Tenants and consent (issue 15): an admin of one organization cannot attach another organization's
account, nor learn whether it exists; the account's owner accepts or declines; admins act only on their
own organization's memberships, and deactivation ends only the sessions and tokens acting there."""

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.access import roles
from apps.access.models import ApiToken, Membership
from apps.access.selectors import ACTIVE_ORG_SESSION_KEY
from apps.access.services import token_create
from apps.audit.models import OperationLog
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/users"


@pytest.fixture
def acme_person(make_member):
    """Alice, a member of acme (organization A) with her own name and e-mail."""
    alice = make_member("alice", display_name="", employee_no="A-1")
    alice.user.first_name, alice.user.last_name, alice.user.email = "Alice", "Secret", "alice@acme.example"
    alice.user.save()
    return alice


@pytest.fixture
def globex_admin(make_member, other_org):
    return make_member("gadmin", roles.ADMIN, organization=other_org)


@pytest.fixture
def globex_api(globex_admin):
    client = APIClient()
    client.force_login(globex_admin.user)
    return client


def signed_in(username: str, organization_slug: str | None = None) -> APIClient:
    client = APIClient()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    if organization_slug:
        session = client.session
        session[ACTIVE_ORG_SESSION_KEY] = organization_slug
        session.save()
    return client


def _shape(body: dict) -> dict:
    member = dict(body["member"])
    for key in ("id", "userId", "username", "email", "name"):
        member.pop(key)
    return {"status": body["status"], "invited": body["invited"], "member": member, "keys": sorted(body)}


@pytest.mark.parametrize("typed_email", ["alice@acme.example", "someone@globex.example"])
def test_another_organizations_account_is_not_attached_and_the_answer_is_a_new_persons(
    globex_api, acme_person, typed_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        existing = globex_api.post(
            BASE, {"username": "alice", "email": typed_email, "invite": True}, format="json"
        )
        fresh = globex_api.post(
            BASE, {"username": "bob.new", "email": "bob@globex.example", "invite": True}, format="json"
        )
    assert existing.status_code == fresh.status_code == 201
    assert _shape(existing.json()) == _shape(fresh.json())
    member = existing.json()["member"]
    assert (member["email"], member["name"], member["accountActive"]) == (typed_email, "alice", True)
    assert "Secret" not in existing.content.decode()
    # Not attached: alice cannot act in globex, and globex sees nothing of her account.
    pending = Membership.objects.get(user=acme_person.user, organization__slug="globex")
    assert pending.invitation_pending and not pending.can(roles.READ)
    client = signed_in("alice")
    me = client.get("/api/me", HTTP_X_ORGANIZATION="globex").json()
    assert me["organization"] is None and [o["slug"] for o in me["organizations"]] == ["acme"]
    access = globex_api.get(f"{BASE}/{acme_person.user_id}/access").json()["user"]
    assert (access["email"], access["fullName"], access["lastLogin"]) == (typed_email, "", None)
    assert not globex_api.get(BASE, {"q": "alice@acme"}).json()["results"] or typed_email.startswith("alice")
    assert not globex_api.get(BASE, {"q": "Secret"}).json()["results"]
    # The consent mail goes to the account's own address, never to the typed one if it differs.
    consent = [m for m in mail.outbox if "asks you to join" in m.subject]
    assert [m.to for m in consent] == [["alice@acme.example"]]
    entries = OperationLog.objects.filter(organization__slug="globex", action="access.member.create")
    assert sorted(entry.details["email"] for entry in entries) == sorted([typed_email, "bob@globex.example"])


def test_an_email_used_in_another_organization_is_no_conflict_here(globex_api, acme_person):
    response = globex_api.post(BASE, {"username": "alice2", "email": "alice@acme.example"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "created"
    again = globex_api.post(BASE, {"username": "alice3", "email": "ALICE@acme.example"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "EMAIL_IN_USE"  # now in globex


def test_the_owner_accepts_and_only_then_joins(globex_api, acme_person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        globex_api.post(
            BASE, {"username": "alice", "email": "x@globex.example", "invite": True}, format="json"
        )
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/invitations/\S+/)", message.body).group(1)
    assert APIClient().get(path).status_code == 302  # sign in first
    stranger = signed_in("gadmin")
    assert stranger.get(path).status_code == 404  # not theirs: nothing shown
    alice = signed_in("alice")
    page = alice.get(path)
    assert page.status_code == 200 and "Globex" in page.content.decode()
    alice.post(path, {"answer": "accept"})
    membership = Membership.objects.get(user=acme_person.user, organization__slug="globex")
    assert not membership.invitation_pending and membership.can(roles.READ)
    assert alice.get("/api/me", HTTP_X_ORGANIZATION="globex").json()["organization"]["slug"] == "globex"
    assert alice.get("/api/me", HTTP_X_ORGANIZATION="acme").json()["organization"]["slug"] == "acme"
    assert OperationLog.objects.get(action="access.member.accept").organization.slug == "globex"
    assert alice.get(path).status_code == 404  # used


def test_the_owner_declines(globex_api, acme_person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        globex_api.post(
            BASE, {"username": "alice", "email": "x@globex.example", "invite": True}, format="json"
        )
    path = re.search(r"(/accounts/invitations/\S+/)", mail.outbox[0].body).group(1)
    signed_in("alice").post(path, {"answer": "decline"})
    membership = Membership.objects.get(user=acme_person.user, organization__slug="globex")
    assert membership.invitation_pending and not membership.is_active
    assert OperationLog.objects.filter(action="access.member.decline").count() == 1


def test_deactivating_a_pending_member_touches_nothing_of_the_account(globex_api, acme_person):
    alice = signed_in("alice")
    raw = token_create(user=acme_person.user, organization=acme_person.organization).raw
    globex_api.post(BASE, {"username": "alice", "email": "x@globex.example"}, format="json")
    body = globex_api.post(f"{BASE}/{acme_person.user_id}/deactivate").json()
    assert (body["sessionsEnded"], body["tokensRevoked"], body["accountDeactivated"]) == (0, 0, False)
    acme_person.user.refresh_from_db()
    assert acme_person.user.is_active
    assert alice.get("/api/me").status_code == 200
    assert APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_deactivation_ends_only_the_sessions_and_tokens_acting_in_that_organization(
    make_member, other_org, globex_api, acme_person
):
    make_member("alice", organization=other_org)  # alice belongs to both, consented
    in_acme, in_globex = signed_in("alice", "acme"), signed_in("alice", "globex")
    acme_token = token_create(user=acme_person.user, organization=acme_person.organization).raw
    globex_token = token_create(user=acme_person.user, organization=other_org).raw
    body = globex_api.post(f"{BASE}/{acme_person.user_id}/deactivate").json()
    assert (body["sessionsEnded"], body["tokensRevoked"], body["accountDeactivated"]) == (1, 1, False)
    assert in_acme.get("/api/me").status_code == 200
    assert in_globex.get("/api/me").status_code == 401  # that session ended
    assert APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {acme_token}").status_code == 200
    assert APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {globex_token}").status_code == 401
    assert ApiToken.objects.filter(user=acme_person.user, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"department": "Ours"}),
        ("post", "/deactivate", None),
        ("post", "/reactivate", None),
        ("post", "/invite", None),
        ("post", "/roles/assign", {"roles": ["admin"]}),
        ("get", "/access", None),
    ],
)
def test_admins_act_only_on_their_own_organizations_memberships(
    globex_api, acme_person, method, suffix, body
):
    response = getattr(globex_api, method)(f"{BASE}/{acme_person.user_id}{suffix}", body, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "MEMBER_NOT_FOUND"
    assert "alice" not in response.content.decode()
    acme_person.refresh_from_db()
    assert acme_person.is_active and acme_person.role_names == [roles.EMPLOYEE]
