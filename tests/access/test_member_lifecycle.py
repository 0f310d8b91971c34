"""Deactivate (sessions end, tokens revoked, at once), reactivate, and invite with a set-password link."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from apps.access import roles
from apps.access.models import ApiToken, Membership, UserSession
from apps.access.services import token_create
from apps.audit.models import OperationLog
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/users"


@pytest.fixture
def admin_api(api_as, admin_member):
    return api_as(admin_member)


def sign_in(username: str, password: str = PASSWORD):
    client = APIClient()
    return client, client.post("/accounts/login/", {"username": username, "password": password})


def signed_in(username: str) -> APIClient:
    client, response = sign_in(username)
    assert response.status_code == 302
    return client


def test_deactivating_ends_sessions_and_revokes_tokens_at_once(admin_api, make_member):
    emma = make_member("emma")
    browser, phone = signed_in("emma"), signed_in("emma")
    raw = token_create(user=emma.user, organization=emma.organization).raw
    assert browser.get("/api/me").status_code == 200
    assert UserSession.objects.filter(user=emma.user).count() == 2

    response = admin_api.post(f"{BASE}/{emma.user_id}/deactivate")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["changed"] and body["sessionsEnded"] == 2 and body["tokensRevoked"] == 1
    assert body["accountDeactivated"] and body["member"]["isActive"] is False

    assert browser.get("/api/me").status_code == 401
    assert phone.get("/api/me").status_code == 401
    assert APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert sign_in("emma")[1].status_code == 200  # the form again: inactive accounts cannot sign in
    entry = OperationLog.objects.get(action="access.member.deactivate")
    assert entry.details == {
        "username": "emma",
        "sessionsEnded": 2,
        "tokensRevoked": 1,
        "accountDeactivated": True,
    }


def test_deactivating_twice_changes_nothing_the_second_time(admin_api, make_member):
    emma = make_member("emma")
    admin_api.post(f"{BASE}/{emma.user_id}/deactivate")
    again = admin_api.post(f"{BASE}/{emma.user_id}/deactivate").json()
    assert again["changed"] is False and again["sessionsEnded"] == 0
    assert OperationLog.objects.filter(action="access.member.deactivate").count() == 1


def test_a_member_of_two_organizations_keeps_the_account_and_the_other_organizations_tokens(
    admin_api, make_member, other_org
):
    here = make_member("multi")
    make_member("multi", organization=other_org)
    token_here = token_create(user=here.user, organization=here.organization)
    token_there = token_create(user=here.user, organization=other_org)
    body = admin_api.post(f"{BASE}/{here.user_id}/deactivate").json()
    assert body["tokensRevoked"] == 1 and body["accountDeactivated"] is False
    assert ApiToken.objects.get(pk=token_here.token.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=token_there.token.pk).revoked_at is None
    me = APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token_there.raw}").json()
    assert [o["slug"] for o in me["organizations"]] == ["globex"]


def test_the_last_admin_cannot_be_deactivated(admin_api, admin_member):
    response = admin_api.post(f"{BASE}/{admin_member.user_id}/deactivate")
    assert response.status_code == 409 and response.json()["error"]["code"] == "LAST_ADMIN"
    assert Membership.objects.get(pk=admin_member.pk).is_active
    assert OperationLog.objects.get(action="access.member.deactivate").result == "failed"


def test_reactivating_gives_access_back_and_is_safe_to_repeat(admin_api, make_member):
    emma = make_member("emma")
    admin_api.post(f"{BASE}/{emma.user_id}/deactivate")
    first = admin_api.post(f"{BASE}/{emma.user_id}/reactivate")
    assert first.status_code == 200 and first.json()["isActive"] and first.json()["accountActive"]
    admin_api.post(f"{BASE}/{emma.user_id}/reactivate")
    assert OperationLog.objects.filter(action="access.member.reactivate").count() == 1
    assert signed_in("emma").get("/api/me").status_code == 200


def test_lifecycle_endpoints_give_404_for_other_organizations_and_unknown_ids(
    admin_api, make_member, other_org
):
    stranger = make_member("stranger", organization=other_org)
    for verb in ("deactivate", "reactivate", "invite"):
        for user_id in (stranger.user_id, 999999):
            response = admin_api.post(f"{BASE}/{user_id}/{verb}")
            assert response.status_code == 404, verb
    assert Membership.objects.get(pk=stranger.pk).is_active


def test_invite_mails_a_set_password_link_that_works_once(
    admin_api, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = admin_api.post(
            BASE, {"username": "newbie", "email": "newbie@acme.example", "invite": True}, format="json"
        ).json()
    assert created["invited"] is True
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@acme.example"]
    link = re.search(r"http://\S+/accounts/set-password/\S+/", mail.outbox[0].body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and b"Choose your password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-Long-new-passw0rd", "new_password2": "a-Long-new-passw0rd"},
        follow=True,
    )
    assert b"Your password is set" in done.content
    assert get_user_model().objects.get(username="newbie").check_password("a-Long-new-passw0rd")
    reused = client.get(path, follow=True)
    assert b"This link no longer works" in reused.content
    assert OperationLog.objects.filter(action="access.user.password_set").count() == 1


def test_invite_again_sends_a_fresh_link_and_refuses_members_without_email(
    admin_api, make_member, django_capture_on_commit_callbacks
):
    emma = make_member("emma")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.post(f"{BASE}/{emma.user_id}/invite").status_code == 202
        assert admin_api.post(f"{BASE}/{emma.user_id}/invite").status_code == 202
    assert len(mail.outbox) == 2
    nomail = make_member("nomail", user__email="")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"{BASE}/{nomail.user_id}/invite")
    assert response.status_code == 400 and response.json()["error"]["code"] == "EMAIL_REQUIRED"
    assert len(mail.outbox) == 2


def test_a_deactivated_member_cannot_be_invited(admin_api, make_member, django_capture_on_commit_callbacks):
    emma = make_member("emma", roles.EMPLOYEE)
    admin_api.post(f"{BASE}/{emma.user_id}/deactivate")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"{BASE}/{emma.user_id}/invite")
    assert response.status_code == 409 and response.json()["error"]["code"] == "MEMBER_INACTIVE"
    assert mail.outbox == []
