"""Security headers on every page and API response; HSTS only in production over TLS from our proxy."""

import json

import pytest

from tests.foundation.conftest import production_env, run_python

pytestmark = pytest.mark.django_db

RESPONSES = [
    pytest.param("get", "/accounts/login/", 200, id="login-page"),
    pytest.param("get", "/no-such-page/", 404, id="page-404"),
    pytest.param("get", "/healthz", 200, id="healthz"),
    pytest.param("get", "/api/me", 401, id="api-401"),
    pytest.param("get", "/api/no-such-endpoint", 404, id="api-404"),
    pytest.param("delete", "/api/me", 401, id="api-405-needs-auth-first"),
    pytest.param("get", "/api/schema/", 200, id="api-schema"),
    pytest.param("get", "/api/docs/", 200, id="swagger-ui"),
    pytest.param("get", "/api/redoc/", 200, id="redoc"),
]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = getattr(client, method)(path)

    assert response.status_code == status
    csp = csp_directives(response["Content-Security-Policy"])
    script_src = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert not any(source.startswith(("http:", "https:", "*")) for source in script_src)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # not production, not TLS


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.test import Client
out = {}
for name, peer, proto, path in [
    ("tls_via_proxy", "127.0.0.1", "https", "/healthz"),
    ("tls_claimed_by_stranger", "203.0.113.7", "https", "/healthz"),
    ("plain_via_proxy", "127.0.0.1", "http", "/healthz"),
    ("plain_api_via_proxy", "127.0.0.1", "http", "/api/no-such-endpoint"),
    ("tls_api_via_proxy", "127.0.0.1", "https", "/api/no-such-endpoint"),
]:
    response = Client(REMOTE_ADDR=peer).get(
        path, HTTP_HOST="timeledger.example.com", HTTP_X_FORWARDED_PROTO=proto
    )
    out[name] = {"status": response.status_code, "headers": dict(response.headers)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_responses():
    result = run_python(
        ["-c", PRODUCTION_PROBE], {**production_env(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_when_our_proxy_says_the_client_used_tls(production_responses):
    response = production_responses["tls_via_proxy"]
    assert response["status"] == 200
    hsts = response["headers"]["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert response["headers"]["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in response["headers"]["Content-Security-Policy"]


def test_production_ignores_a_forwarded_proto_header_from_an_untrusted_peer(production_responses):
    assert "Strict-Transport-Security" not in production_responses["tls_claimed_by_stranger"]["headers"]


def test_production_sends_no_hsts_over_plain_http(production_responses):
    assert "Strict-Transport-Security" not in production_responses["plain_via_proxy"]["headers"]


def test_production_redirects_plain_http_to_https_except_health_probes(production_responses):
    assert production_responses["plain_via_proxy"]["status"] == 200  # /healthz is exempt
    redirect = production_responses["plain_api_via_proxy"]
    assert redirect["status"] == 301
    assert redirect["headers"]["Location"] == "https://timeledger.example.com/api/no-such-endpoint"
    assert production_responses["tls_api_via_proxy"]["status"] == 404
