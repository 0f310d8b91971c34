"""Session sign-in and sign-out pages: CSRF, redirects, lockout, and the audit trail of each attempt."""

import pytest
from django.conf import settings

from apps.audit.models import OperationLog
from tests.factories import PASSWORD
from tests.frontend.conftest import csrf_token

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"


def _sign_in(client, username, password, **extra):
    data = {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(client), **extra}
    return client.post(LOGIN, data)


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_the_login_page_has_a_form_with_a_csrf_token(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert response.templates[0].name == "registration/login.html"
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="username"' in html
    assert 'type="password"' in html
    assert response.cookies[settings.CSRF_COOKIE_NAME].value


def test_good_credentials_sign_in_and_go_to_my_attendance(client, alan):
    response = _sign_in(client, "alan", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/attendance/start/"
    assert _signed_in_user_id(client) == str(alan.user.pk)
    entry = OperationLog.objects.get(action="access.session.login")
    assert (entry.result, entry.actor, entry.organization) == ("ok", alan.user, alan.organization)
    assert entry.ip == "127.0.0.1"


def test_after_signing_in_the_header_shows_the_name(client, alan):
    response = _sign_in(client, "alan", PASSWORD, next="/accounts/login/")

    page = client.get(response["Location"], follow=True)

    assert 'data-testid="current-user"' in page.content.decode()
    assert "Alan Approver" in page.content.decode()


def test_sign_in_follows_a_local_next_but_not_another_host(client, alan):
    local = _sign_in(client, "alan", PASSWORD, next="/import-center/")
    client.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token(client)})
    remote = _sign_in(client, "alan", PASSWORD, next="https://evil.example/phish")

    assert local["Location"] == "/import-center/"
    assert remote["Location"] == "/attendance/start/"


def test_a_wrong_password_shows_the_error_signs_nobody_in_and_is_audited(client, alan):
    response = _sign_in(client, "alan", "not-the-password")

    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()
    assert "did not match" in response.content.decode()
    assert _signed_in_user_id(client) is None
    entry = OperationLog.objects.get(action="access.session.login")
    assert (entry.result, entry.actor, entry.actor_label) == ("denied", None, "alan")
    assert "not-the-password" not in str(entry.details)


def test_an_unknown_user_is_refused_the_same_way(client, alan):
    response = _sign_in(client, "nobody", PASSWORD)

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert OperationLog.objects.get(action="access.session.login").result == "denied"


def test_sign_in_without_the_csrf_token_is_refused_with_a_readable_page(client, alan):
    client.get(LOGIN)  # the cookie is there; the form field is missing

    response = client.post(LOGIN, {"username": "alan", "password": PASSWORD})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert not OperationLog.objects.filter(action="access.session.login").exists()


def test_a_signed_in_user_opening_the_login_page_is_sent_on(client, alan):
    _sign_in(client, "alan", PASSWORD)

    assert client.get(LOGIN)["Location"] == "/attendance/start/"


def test_sign_out_needs_a_post(client, alan):
    _sign_in(client, "alan", PASSWORD)

    response = client.get(LOGOUT)

    assert response.status_code == 405
    assert _signed_in_user_id(client) == str(alan.user.pk)
    assert not OperationLog.objects.filter(action="access.session.logout").exists()


def test_sign_out_without_the_csrf_token_keeps_the_session(client, alan):
    _sign_in(client, "alan", PASSWORD)

    assert client.post(LOGOUT).status_code == 403
    assert _signed_in_user_id(client) == str(alan.user.pk)


def test_sign_out_ends_the_session_returns_to_the_login_page_and_is_audited(client, alan):
    _sign_in(client, "alan", PASSWORD)

    response = client.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token(client)})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert _signed_in_user_id(client) is None
    entry = OperationLog.objects.get(action="access.session.logout")
    assert (entry.result, entry.actor, entry.organization) == ("ok", alan.user, alan.organization)


def test_signing_out_twice_is_harmless_and_records_one_logout(client, alan):
    _sign_in(client, "alan", PASSWORD)
    client.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token(client)})

    again = client.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token(client)})

    assert again.status_code == 302
    assert OperationLog.objects.filter(action="access.session.logout").count() == 1


def test_too_many_failures_lock_the_account_with_a_readable_page(client, alan):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "alan", "wrong")

    response = _sign_in(client, "alan", PASSWORD)  # even the right password waits out the lockout

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert (
        OperationLog.objects.filter(action="access.session.login", result="denied").count()
        >= settings.AXES_FAILURE_LIMIT
    )
    assert not OperationLog.objects.filter(action="access.session.login", result="ok").exists()


def test_a_lockout_of_one_user_does_not_lock_another(client, alan, make_member):
    make_member("emma")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "alan", "wrong")

    response = _sign_in(client, "emma", PASSWORD)

    assert response.status_code == 302
