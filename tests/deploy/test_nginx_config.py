"""The nginx site as ops install it: `nginx -t` accepts it, and its limits agree with the application's."""

import re
import runpy
import subprocess

import crossplane
import pytest
from django.conf import settings

from tests.deploy import harness

SNIPPET = harness.NGINX_DIR / "timeledger-app.conf"
UPLOAD = "/api/attendance/import/upload"
IMPORTS = "/api/attendance/import/"


def _parse(path) -> list[dict]:
    payload = crossplane.parse(str(path), single=True, check_ctx=False, check_args=False)
    assert payload["status"] == "ok", payload["errors"]
    return payload["config"][0]["parsed"]


def _args(block: list[dict], name: str) -> list[list[str]]:
    return [d["args"] for d in block if d["directive"] == name]


def _one(block: list[dict], name: str) -> str:
    values = _args(block, name)
    assert len(values) == 1, f"{name}: {values}"
    return " ".join(values[0])


def _locations(block: list[dict]) -> dict[str, list[dict]]:
    """'^~ /path' or '= /metrics' or '/' -> the location's directives (nested ones flattened in too)."""
    found = {}
    for directive in block:
        if directive["directive"] == "location":
            found[" ".join(directive["args"])] = directive["block"]
            found.update(_locations(directive["block"]))
    return found


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def _seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s|m)?", value).groups()
    return int(number) * (60 if unit == "m" else 1)


@pytest.fixture(scope="module")
def snippet() -> list[dict]:
    return _parse(SNIPPET)


def test_real_site_passes_nginx_t(nginx_binary, tls_pair, tmp_path):
    cert, key = tls_pair
    prefix = harness.build_nginx_prefix(tmp_path, cert=cert, key=key, loopback=False)

    result = subprocess.run(prefix.command("-t"), capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_compose_site_passes_nginx_t(nginx_binary, tls_pair, tmp_path):
    """compose.conf differs only in where gunicorn and the certificates are; the routes are the same
    snippet. Compose's service name `web` does not resolve here, so it is pointed at loopback."""
    cert, key = tls_pair
    prefix = harness.build_nginx_prefix(tmp_path, cert=cert, key=key, loopback=False)
    site = (harness.NGINX_DIR / "compose.conf").read_text()
    site = harness.replace_once(site, "server web:8000;", "server 127.0.0.1:8000;", source="compose.conf")
    site = harness.replace_once(site, "/etc/nginx/certs/fullchain.pem", str(cert), source="compose.conf")
    site = harness.replace_once(site, "/etc/nginx/certs/privkey.pem", str(key), source="compose.conf")
    (prefix.root / "conf" / "sites" / "timeledger.conf").write_text(site)

    result = subprocess.run(prefix.command("-t"), capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr


def test_only_the_upload_route_accepts_bodies_up_to_the_import_limit(snippet):
    limit = settings.IMPORT_UPLOAD_MAX_BYTES
    default = _bytes(_one(snippet, "client_max_body_size"))
    locations = _locations(snippet)
    upload = _bytes(_one(locations[f"^~ {UPLOAD}"], "client_max_body_size"))

    assert default <= 2 * 1024**2
    # Just above the app's limit (multipart framing adds a little); the app answers 413 itself past it.
    assert limit < upload <= limit + 2 * 1024**2
    others = [name for name, block in locations.items() if _args(block, "client_max_body_size")]
    assert others == [f"^~ {UPLOAD}"]


def test_upload_route_streams_to_the_app_without_buffering_on_nginx_disk(snippet):
    locations = _locations(snippet)

    assert _one(locations[f"^~ {UPLOAD}"], "proxy_request_buffering") == "off"
    # Unbuffered request bodies to an upstream need HTTP/1.1 (chunked); keepalive needs it too.
    assert _one(snippet, "proxy_http_version") == "1.1"
    assert [name for name, block in locations.items() if _args(block, "proxy_request_buffering")] == [
        f"^~ {UPLOAD}"
    ]


def test_import_routes_wait_300s_and_gunicorn_outlasts_every_nginx_timeout(snippet):
    locations = _locations(snippet)
    reads = {
        name: _seconds(_one(block, "proxy_read_timeout"))
        for name, block in locations.items()
        if _args(block, "proxy_read_timeout")
    }
    gunicorn = runpy.run_path(str(harness.DEPLOY / "gunicorn.conf.py"))

    assert reads[f"^~ {UPLOAD}"] == 300
    assert reads[f"^~ {IMPORTS}"] == 300
    assert _seconds(_one(snippet, "proxy_read_timeout")) == 60
    assert gunicorn["timeout"] > max([*reads.values(), 60])
    # nginx drops idle upstream connections before gunicorn does, never the other way round.
    site = _parse(harness.NGINX_DIR / "timeledger.conf")
    upstream = next(d["block"] for d in site if d["directive"] == "upstream")
    assert gunicorn["keepalive"] > _seconds(_one(upstream, "keepalive_timeout"))


def test_forwarded_headers_are_set_once_for_every_proxied_location(snippet):
    headers = {args[0]: args[1] for args in _args(snippet, "proxy_set_header")}

    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Request-ID"] == "$timeledger_request_id"
    assert headers["Host"] == "$host"
    # A location with its own proxy_set_header would silently drop all of the above.
    assert not [name for name, block in _locations(snippet).items() if _args(block, "proxy_set_header")]
    proxied = {name for name, block in _locations(snippet).items() if _args(block, "proxy_pass")}
    assert all(_one(_locations(snippet)[name], "proxy_pass") == "http://timeledger_app" for name in proxied)


def test_metrics_are_served_to_internal_networks_only(snippet):
    block = _locations(snippet)["= /metrics"]
    rules = [(d["directive"], d["args"][0]) for d in block if d["directive"] in {"allow", "deny"}]

    assert rules[-1] == ("deny", "all")
    assert {address for verb, address in rules if verb == "allow"} <= {
        "127.0.0.0/8",
        "::1",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
    }


def test_plain_http_only_redirects_to_https():
    site = _parse(harness.NGINX_DIR / "timeledger.conf")
    servers = [d["block"] for d in site if d["directive"] == "server"]
    plain = next(s for s in servers if not any("ssl" in args for args in _args(s, "listen")))

    assert _one(_locations(plain)["/"], "return") == "301 https://$host$request_uri"
    assert not [b for b in _locations(plain).values() if _args(b, "proxy_pass")]
