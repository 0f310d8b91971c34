"""Every /api/ response that is not a success is the envelope {"ok": false, "error": {code, message, details}},
whoever produced it; a crash is a 500 INTERNAL_ERROR whose traceback goes to the log only."""

import json

import pytest
from django.test import Client

from apps.access import roles
from tests.foundation.urls_for_errors import SECRET_IN_EXCEPTION

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.urls_for_errors")]


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    return body["error"]


def test_unknown_api_path_is_a_404_envelope(client):
    error = error_of(client.get("/api/attendance/no-such-thing"), 404)
    assert error["code"] == "NOT_FOUND"


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_unauthenticated_api_call_is_a_401_envelope(client):
    assert error_of(client.get("/api/me"), 401)["code"] == "NOT_AUTHENTICATED"


def test_wrong_method_on_a_drf_view_is_a_405_envelope(api_as, employee_member):
    response = api_as(employee_member).delete("/api/me")
    assert error_of(response, 405)["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response["Allow"]


def test_wrong_method_on_a_plain_view_under_api_is_a_405_envelope(client):
    response = client.get("/api/test-errors/post-only")
    assert error_of(response, 405)["code"] == "METHOD_NOT_ALLOWED"
    assert response["Allow"] == "POST"


def test_validation_error_is_a_400_envelope_naming_each_field(api):
    response = api.post("/api/test-errors/validate", {"breakMinutes": -5}, format="json")
    error = error_of(response, 400)
    assert error["code"] == "VALIDATION_ERROR"
    assert set(error["details"]["fields"]) == {"name", "breakMinutes"}


def test_malformed_json_is_a_400_envelope(api):
    response = api.post("/api/test-errors/validate", "{not json", content_type="application/json")
    assert error_of(response, 400)["code"] == "MALFORMED_REQUEST"


def test_unsupported_media_type_is_a_415_envelope(api):
    response = api.post("/api/test-errors/validate", "name=x", content_type="text/plain")
    assert error_of(response, 415)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_missing_role_is_a_403_envelope(api_as, employee_member):
    response = api_as(employee_member).get("/api/test-errors/admin-only")
    assert error_of(response, 403)["code"] == "FORBIDDEN"


def test_admin_role_passes_the_same_view(api_as, make_member):
    assert api_as(make_member("ada", roles.ADMIN)).get("/api/test-errors/admin-only").status_code == 200


def test_csrf_failure_on_a_plain_view_under_api_is_a_403_envelope(employee_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee_member.user)
    assert error_of(client.post("/api/test-errors/plain-form"), 403)["code"] == "FORBIDDEN"


def test_session_write_without_csrf_token_is_a_403_envelope(employee_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee_member.user)
    response = client.post("/api/test-errors/validate", "{}", content_type="application/json")
    assert error_of(response, 403)["code"] == "FORBIDDEN"


def test_disallowed_host_under_api_is_a_400_envelope(client):
    response = client.get("/api/me", HTTP_HOST="evil.example")
    assert error_of(response, 400)["code"] == "MALFORMED_REQUEST"


@pytest.mark.parametrize("path", ["/api/test-errors/drf-boom", "/api/test-errors/plain-boom"])
def test_a_crash_is_a_500_envelope_with_the_traceback_only_in_the_log(client, captured_log, path):
    client.raise_request_exception = False

    response = client.get(path, HTTP_X_REQUEST_ID="crash-42")

    error = error_of(response, 500)
    assert error["code"] == "INTERNAL_ERROR"
    assert response["X-Request-ID"] == "crash-42"
    text = response.content.decode()
    assert "Traceback" not in text and "exploded" not in text and SECRET_IN_EXCEPTION not in text
    lines = [json.loads(line) for line in captured_log.getvalue().splitlines()]
    crash = [line for line in lines if "Traceback" in line.get("exc_info", "")]
    assert crash, lines
    assert "RuntimeError" in crash[0]["exc_info"] and "exploded" in crash[0]["exc_info"]
    assert crash[0]["request_id"] == "crash-42"
    assert crash[0]["level"] == "ERROR"


def test_a_crash_on_a_page_is_the_html_500_page(client):
    client.raise_request_exception = False
    response = client.get("/page-boom")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert SECRET_IN_EXCEPTION not in response.content.decode()


def test_with_debug_on_a_crash_under_api_is_still_the_envelope(client, settings):
    settings.DEBUG = True
    client.raise_request_exception = False
    response = client.get("/api/test-errors/plain-boom")
    assert error_of(response, 500)["code"] == "INTERNAL_ERROR"
    assert SECRET_IN_EXCEPTION not in response.content.decode()
