"""JSON log lines: one per request with its context; X-Request-ID in and out; no secret in any line."""

import json
import logging
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "time",
    "level",
    "request_id",
    "user",
    "organization",
    "path",
    "method",
    "status",
    "duration_ms",
}


def log_lines(stream) -> list[dict]:
    text = stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # fails on any line that is not one JSON object
    assert lines, "nothing was logged"
    return lines


def request_lines(stream) -> list[dict]:
    return [line for line in log_lines(stream) if line.get("logger") == "timeledger.request"]


def test_each_request_writes_one_json_line_with_its_context(api, employee_member, captured_log):
    raw = StringIO()
    call_command("tokens", "create", "--user", "emma", stdout=raw)

    response = api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw.getvalue().strip()}")

    assert response.status_code == 200
    (line,) = request_lines(captured_log)
    assert set(line) >= REQUEST_FIELDS
    assert line["level"] == "INFO"
    assert line["path"] == "/api/me" and line["method"] == "GET" and line["status"] == 200
    assert line["user"] == "emma" and line["organization"] == "acme"
    assert line["request_id"] == response["X-Request-ID"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$", line["time"])


def test_client_errors_log_at_warning_with_the_status(client, captured_log):
    client.get("/api/me")
    (line,) = request_lines(captured_log)
    assert line["level"] == "WARNING" and line["status"] == 401 and line["user"] == ""


def test_a_valid_request_id_passes_through(client, captured_log):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.92_x")
    assert response["X-Request-ID"] == "lb-7f3a.92_x"
    assert request_lines(captured_log)[0]["request_id"] == "lb-7f3a.92_x"


@pytest.mark.parametrize(
    "given", [None, "", "has spaces", "x" * 65, "semi;colon", "ünïcode", "id-with-newline\n"]
)
def test_a_missing_or_invalid_request_id_is_replaced_by_a_fresh_one(client, captured_log, given):
    extra = {"HTTP_X_REQUEST_ID": given} if given is not None else {}
    first = client.get("/healthz", **extra)["X-Request-ID"]
    second = client.get("/healthz", **extra)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert [line["request_id"] for line in request_lines(captured_log)] == [first, second]


def test_log_lines_written_during_a_request_carry_its_request_id(client, captured_log, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # makes /readyz log a failed check
    response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-1")
    assert response.status_code == 503
    lines = log_lines(captured_log)
    check_line = next(line for line in lines if line["logger"] == "timeledger.health")
    assert check_line["request_id"] == "probe-1"


def test_no_password_token_session_or_csrf_value_ever_reaches_the_log(employee_member, captured_log):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    csrf = browser.cookies["csrftoken"].value

    wrong = "Wr0ng-pa55word-xyz"
    failed = browser.post(
        "/accounts/login/", {"username": "emma", "password": wrong, "csrfmiddlewaretoken": csrf}
    )
    assert failed.status_code == 200  # the form again, with an error
    signed_in = browser.post(
        "/accounts/login/", {"username": "emma", "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    assert signed_in.status_code == 302
    session_id = browser.cookies["sessionid"].value
    csrf = browser.cookies["csrftoken"].value
    assert browser.get("/api/me").status_code == 200

    out = StringIO()
    call_command("tokens", "create", "--user", "emma", stdout=out)
    token = out.getvalue().strip()
    api = Client()
    assert api.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert api.get(f"/api/me?token={token}", HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 401
    # Code that carelessly logs a secret is still caught by the redaction filter.
    careless = logging.getLogger("timeledger.careless")
    careless.warning("retrying with Authorization: Bearer %s", token)
    careless.warning("login payload password=%s csrfmiddlewaretoken=%s", PASSWORD, csrf)
    careless.error("cookie sessionid=%s; csrftoken=%s", session_id, csrf)
    careless.error("could not reach postgres://timeledger:%s@db:5432/tl", PASSWORD)
    try:
        raise ValueError(f"token {token} rejected")
    except ValueError:
        careless.exception("failure")

    text = captured_log.getvalue()
    assert len(request_lines(captured_log)) >= 6
    for secret in (PASSWORD, wrong, token, token.removeprefix("tl_"), session_id, csrf):
        assert secret not in text
    assert text.count("[redacted]") >= 6
