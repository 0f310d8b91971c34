"""The production stack, for real, on loopback: the release step (deploy/release.sh) on a fresh PostgreSQL
database, gunicorn, a Celery worker and beat started with the commands of the real systemd units, and nginx
with the real site in front, over TLS. Requests go through nginx as a browser's would.

Needs DATABASE_URL=postgres://..., REDIS_URL and nginx; skipped (with the reason) otherwise."""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy import harness

# One stack per test process: with `pytest -n --dist loadgroup` all of these run on one worker.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("deploy_stack")]


def _require_services() -> dict:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the production stack needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not settings.REDIS_URL:
        pytest.skip("the production stack needs Redis: set REDIS_URL")
    if harness.NGINX is None or not harness.MIME_TYPES.exists():
        pytest.skip("the production stack needs nginx (apt-get install -y nginx-light)")
    if harness.OPENSSL is None:
        pytest.skip("the production stack needs openssl for its TLS certificate")
    return database


@pytest.fixture(scope="module")
def fresh_database():
    """A database of its own, created empty (the release step must build the whole schema) and dropped."""
    import psycopg

    database = _require_services()
    params = {
        "host": database["HOST"] or "127.0.0.1",
        "port": database["PORT"] or 5432,
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
    }
    name = f"timeledger_deploy_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params["password"] else ""
    try:
        yield f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment(database_url: str, workdir: Path) -> dict[str, str]:
    env = harness.base_environment()
    env.update(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1,https://localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            # Its worker must not take the tasks of other tests' workers on the same Redis, nor they its.
            "CELERY_QUEUE_PREFIX": f"deploy-stack-{os.getpid()}-",
            # Keys of this run apart from anything else using the same Redis database.
            "CACHE_KEY_PREFIX": f"deploytest-{secrets.token_hex(4)}",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def _closed() -> bytes:
    raise AssertionError("nginx closed the connection before a whole answer")


@dataclass
class Stack:
    gunicorn_port: int
    https_port: int
    http_port: int
    cert: Path
    static_root: Path
    env: dict
    services: dict
    nginx_access_log: Path

    def request(
        self, path: str, *, method: str = "GET", headers: dict | None = None, body: bytes | None = None
    ):
        context = ssl.create_default_context(cafile=str(self.cert))
        connection = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=context, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def raw_https(self, head: bytes, body: bytes = b"") -> bytes:
        """Send bytes as they are (a Content-Length without the body behind it) and read the answer."""
        context = ssl.create_default_context(cafile=str(self.cert))
        with (
            socket.create_connection(("127.0.0.1", self.https_port), timeout=30) as plain,
            context.wrap_socket(plain, server_hostname="127.0.0.1") as sock,
        ):
            sock.sendall(head + body)
            answer = b""
            # Read the head, then exactly Content-Length bytes: nginx keeps the socket open a few
            # seconds after an early answer (lingering close) to drain the body we never send.
            while b"\r\n\r\n" not in answer:
                answer += sock.recv(65536) or _closed()
            head_part, _, rest = answer.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head_part).group(1))
            while len(rest) < length:
                rest += sock.recv(65536) or _closed()
            return head_part + b"\r\n\r\n" + rest


def _settings_value(env: dict, expression: str) -> str:
    script = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=harness.REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def stack(fresh_database, tmp_path_factory, tls_pair):
    workdir = tmp_path_factory.mktemp("stack")
    logs = workdir / "logs"
    logs.mkdir()
    env = production_environment(fresh_database, workdir)

    # 1. The release step, as every deploy runs it, before anything serves. Test processes that each
    # build a stack take turns: collectstatic may write to the same STATIC_ROOT (the repo's var/static).
    with open(Path(tempfile.gettempdir()) / "timeledger-deploy-release.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        release = subprocess.run(
            [str(harness.DEPLOY / "release.sh")],
            env={**env, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert release.returncode == 0, release.stdout[-3000:] + release.stderr[-3000:]
    # Where collectstatic wrote is the settings' STATIC_ROOT (the repo's var/static if not configurable).
    static_root = Path(_settings_value(env, "settings.STATIC_ROOT"))
    assert (static_root / "staticfiles.json").exists()

    services: dict[str, harness.Service] = {}
    try:
        # 2. gunicorn, worker and beat, each with its systemd unit's command and Environment= lines.
        gunicorn_port = harness.free_port()
        # Not created here: gunicorn.conf.py must make it (compose's /tmp/prometheus starts missing).
        metrics_dir = workdir / "prometheus" / "web"
        web_env = {
            **env,
            **harness.unit_environment("timeledger-web.service"),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
            # Recycle workers every few requests, so requests (and /metrics scrapes) land on many
            # processes: the metrics test then shows the counts survive and add up across them.
            "GUNICORN_MAX_REQUESTS": "6",
            "GUNICORN_MAX_REQUESTS_JITTER": "0",
        }
        services["web"] = harness.start(
            "web", harness.unit_command("timeledger-web.service", state_dir=workdir), env=web_env, logs=logs
        )
        for name in ("worker", "beat"):
            unit = f"timeledger-{name}.service"
            services[name] = harness.start(
                name,
                harness.unit_command(unit, state_dir=workdir),
                env={**env, **harness.unit_environment(unit)},
                logs=logs,
            )

        # 3. nginx with the real site, on loopback ports.
        cert, key = tls_pair
        prefix = harness.build_nginx_prefix(
            workdir / "nginx",
            cert=cert,
            key=key,
            upstream_port=gunicorn_port,
            static_parent=static_root.parent,
        )
        assert static_root.name == "static", "nginx maps /static/ to <root>/static"
        services["nginx"] = harness.start("nginx", prefix.command("-g", "daemon off;"), env=env, logs=logs)

        def gunicorn_answers():
            services["web"].assert_alive()
            connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=5)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200

        harness.wait_for(gunicorn_answers, timeout=180, what="gunicorn to answer /healthz")
        built = Stack(
            gunicorn_port=gunicorn_port,
            https_port=prefix.https_port,
            http_port=prefix.http_port,
            cert=cert,
            static_root=static_root,
            env=env,
            services=services,
            nginx_access_log=prefix.access_log,
        )

        def nginx_answers():
            services["nginx"].assert_alive()
            return built.request("/healthz")[0] == 200

        harness.wait_for(nginx_answers, timeout=60, what="nginx to proxy /healthz")
        harness.wait_for(
            lambda: services["worker"].assert_alive() or " ready." in services["worker"].output(),
            timeout=180,
            what="the Celery worker to say it is ready",
        )
        harness.wait_for(
            lambda: services["beat"].assert_alive() or "beat: Starting" in services["beat"].output(),
            timeout=120,
            what="Celery beat to start",
        )
        yield built
    finally:
        for service in reversed(services.values()):
            service.stop()


def test_healthz_answers_through_nginx_over_tls(stack):
    status, headers, body = stack.request("/healthz")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}
    assert headers["server"] == "nginx"


def test_readyz_reports_database_migrations_cache_and_broker_ok(stack):
    answers = []

    def ready():
        # Each check has a 2s budget; on a loaded machine one may miss it once, as a probe would.
        status, _, body = stack.request("/readyz")
        answers.append((status, body))
        return body if status == 200 else None

    try:
        body = harness.wait_for(ready, timeout=30, interval=1, what="/readyz to answer 200")
    except AssertionError as error:
        raise AssertionError(f"{error}; last answers: {answers[-3:]}") from None
    assert json.loads(body)["checks"] == {"database": "ok", "migrations": "ok", "cache": "ok", "broker": "ok"}


def test_plain_http_is_redirected_to_https(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    connection.request("GET", "/attendance/?week=1", headers={"Host": "localhost"})
    response = connection.getresponse()

    assert response.status == 301
    assert response.getheader("Location") == "https://localhost/attendance/?week=1"


def test_app_responses_carry_the_security_headers(stack):
    status, headers, _ = stack.request("/accounts/login/")

    assert status == 200
    # HSTS is sent only on requests Django sees as secure: nginx's X-Forwarded-Proto got through.
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "Secure" in headers["set-cookie"]


def test_hashed_static_file_is_served_by_nginx_with_a_year_of_cache(stack):
    manifest = json.loads((stack.static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]

    status, headers, body = stack.request(f"/static/{hashed}", headers={"Accept-Encoding": "identity"})

    assert status == 200
    assert body == (stack.static_root / hashed).read_bytes()
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"].startswith("text/css")
    # The app stamps X-Request-ID on everything it answers; nginx answered this one from disk.
    assert "x-request-id" not in headers


def test_request_id_is_kept_end_to_end_in_json_logs(stack):
    request_id = f"deploytest-{secrets.token_hex(6)}"

    status, headers, _ = stack.request("/healthz", headers={"X-Request-ID": request_id})

    assert status == 200
    assert headers["x-request-id"] == request_id

    def app_logged_it():
        for line in stack.services["web"].output().splitlines():
            if request_id in line:
                return json.loads(line)
        return None

    app_line = harness.wait_for(app_logged_it, timeout=10, what="the app's JSON request line")
    assert app_line["request_id"] == request_id
    assert app_line["status"] == 200

    def nginx_logged_it():
        lines = stack.nginx_access_log.read_text().splitlines() if stack.nginx_access_log.exists() else []
        return next((json.loads(line) for line in lines if request_id in line), None)

    nginx_line = harness.wait_for(nginx_logged_it, timeout=10, what="nginx's JSON access line")
    assert nginx_line["request_id"] == request_id
    assert nginx_line["status"] == 200


def test_a_task_makes_the_round_trip_through_the_real_worker(stack):
    token = secrets.token_hex(8)
    script = (
        "import json, sys\n"
        "from config.celery import app\n"
        "result = app.send_task('celery.accumulate', args=(sys.argv[1],))\n"
        "print(json.dumps(result.get(timeout=60)))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script, token],
        cwd=harness.REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [token]


def test_beat_runs_alone_and_keeps_its_schedule_in_the_state_directory(stack):
    beat = stack.services["beat"]

    beat.assert_alive()
    command = harness.unit_command("timeledger-beat.service", state_dir=Path("/state"))
    schedule = Path(command[command.index("--schedule") + 1])
    assert schedule.parent == Path("/state")
    assert "beat: Starting" in beat.output()


def test_oversized_body_on_an_ordinary_route_is_refused_by_nginx(stack):
    head = (
        b"POST /api/attendance/punches/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 3145728\r\nConnection: close\r\n\r\n"
    )

    answer = stack.raw_https(head)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_upload_route_takes_bodies_above_the_ordinary_limit_but_not_above_the_import_limit(stack):
    too_big = settings.IMPORT_UPLOAD_MAX_BYTES + 4 * 1024 * 1024
    head = (
        f"POST /api/attendance/import/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        f"Content-Length: {too_big}\r\nConnection: close\r\n\r\n"
    ).encode()
    refused = stack.raw_https(head)
    assert refused.startswith(b"HTTP/1.1 413"), refused[:300]

    # 3 MB is over the ordinary 2 MB but fine here: the app answers (not nginx), whatever it says.
    status, headers, body = stack.request(
        "/api/attendance/import/upload",
        method="POST",
        headers={"Content-Type": "text/csv"},
        body=b"a" * (3 * 1024 * 1024),
    )
    assert status != 413
    assert json.loads(body)["ok"] is False  # unauthenticated: the app's envelope, not nginx's
    assert headers["x-request-id"]


def _metric(text: str, name: str, labels: dict) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_add_up_over_all_gunicorn_workers_and_are_served_to_loopback(stack):
    name = "django_http_responses_total_by_status_view_method_total"
    labels = {"status": "200", "view": "healthz", "method": "GET"}
    status, _, before = stack.request("/metrics")
    assert status == 200

    for _ in range(20):
        assert stack.request("/healthz")[0] == 200
    after = stack.request("/metrics")[2].decode()

    # Workers are recycled every 6 requests: the 20 were served by several processes, some gone by now,
    # and each scrape by yet another. Only the shared multiprocess directory makes the sum exact.
    assert _metric(after, name, labels) - _metric(before.decode(), name, labels) == 20


def test_app_logs_are_json_lines(stack):
    lines = [line for line in stack.services["web"].output().splitlines() if line.startswith("{")]

    assert lines
    records = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set(records[-1])
    assert not [line for line in stack.services["web"].output().splitlines() if re.match(r"^\[\d{4}-", line)]


# Stands in for systemctl (no systemd here): writes each call down, and on `restart timeledger-web` runs
# the web unit's real ExecStart from APP_ROOT/current, with the env file and the unit's Environment= lines,
# as systemd would. The worker and beat of the running stack serve the smoke test's task.
SYSTEMCTL = """#!{python}
import json, os, pathlib, signal, subprocess, sys
here = pathlib.Path(sys.argv[0]).parent
with open(here / "systemctl.log", "a") as log:
    print(*sys.argv[1:], file=log)
if sys.argv[1] == "restart" and "timeledger-web" in sys.argv[2:]:
    pidfile = here / "web.pid"
    if pidfile.exists():
        try:
            os.killpg(int(pidfile.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass
    env = dict(line.split("=", 1) for line in open(os.environ["ENV_FILE"]).read().splitlines() if line)
    env.update(json.loads(os.environ["WEB_UNIT_ENV"]))
    env["PATH"] = "/usr/bin:/bin"
    with open(here / "web.log", "ab") as out:
        process = subprocess.Popen(json.loads(os.environ["WEB_UNIT_COMMAND"]), env=env,
                                   cwd=os.environ["APP_ROOT"] + "/current", stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    pidfile.write_text(str(process.pid))
"""


def _unit_for(app_root: Path, unit: str) -> tuple[list[str], dict[str, str]]:
    """A unit's ExecStart and Environment= with /srv/timeledger moved to app_root (and nothing else)."""
    text = (harness.DEPLOY / "systemd" / unit).read_text().replace("/srv/timeledger/", f"{app_root}/")
    (line,) = [x for x in text.splitlines() if x.startswith("ExecStart=")]
    env = dict(
        x.removeprefix("Environment=").split("=", 1)
        for x in text.splitlines()
        if x.startswith("Environment=")
    )
    return shlex.split(line.removeprefix("ExecStart=")), env


def test_vm_deploy_script_switches_only_after_a_successful_release_step(stack, tmp_path):
    """deploy/deploy.sh for real: git mirror, new release and its venv, release step, the gates (twice, and
    the perf gate) against the new release's own gunicorn before the switch, switch, the web unit's command
    started from the new release, readiness, smoke. Then a second deploy whose migrate cannot reach its
    database, and a third whose gates fail (a revoked-looking token): each stops, nothing switches or
    restarts, and the first release keeps serving."""
    python = shutil.which("python3.11") or sys._base_executable
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(SYSTEMCTL.format(python=sys.executable))
    systemctl.chmod(0o755)
    app_root = tmp_path / "srv"
    web_port = harness.free_port()
    command, unit_env = _unit_for(app_root, "timeledger-web.service")
    unit_env.update(
        {
            "GUNICORN_BIND": f"127.0.0.1:{web_port}",
            "GUNICORN_WORKERS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        }
    )
    keys = (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "CACHE_KEY_PREFIX",
        "CELERY_QUEUE_PREFIX",
    )
    good = tmp_path / "good.env"
    good.write_text(
        "".join(f"{key}={stack.env[key]}\n" for key in keys) + f"MEDIA_ROOT={app_root}/shared/media\n"
    )
    gate_token = harness.gate_account(stack.env)
    good.write_text(good.read_text() + f"GATES_TOKEN={gate_token}\n")
    gates_fail = tmp_path / "gates-fail.env"
    gates_fail.write_text(good.read_text().replace(gate_token, "tl_not-a-valid-token"))
    broken = tmp_path / "broken.env"
    missing = stack.env["DATABASE_URL"].rsplit("/", 1)[0] + f"/timeledger_missing_{secrets.token_hex(4)}"
    broken.write_text(good.read_text().replace(stack.env["DATABASE_URL"], missing))
    environment = {
        **harness.base_environment(),
        "APP_ROOT": str(app_root),
        "REPO_URL": str(harness.REPO),
        "APP_USER": getpass.getuser(),
        "PYTHON": python,
        "SYSTEMCTL": str(systemctl),
        "READY_URL": f"http://127.0.0.1:{web_port}/readyz",
        "READY_TIMEOUT": "180",
        "WEB_UNIT_COMMAND": json.dumps(command),
        "WEB_UNIT_ENV": json.dumps(unit_env),
        "GATES_PORT": str(harness.free_port()),
        "GATES_PERF_ROWS": "100",
        "GATES_DIR": str(tmp_path / "gates"),
        "BRIDGE_PORT": str(harness.free_port()),
        "BRIDGE_DIR": str(tmp_path / "bridge"),
        "BRIDGE_WORKERS": "1",
        # This shared 2-core machine is no production host: the thresholds are loosened, not the gates.
        "GATES_ARGS": "--max-api-p95-ms 10000 --max-health-p95-ms 10000 --min-import-rows-per-second 1",
    }
    head = subprocess.run(
        ["git", "-C", str(harness.REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()

    def deploy(env_file: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(harness.DEPLOY / "deploy.sh"), head],
            env={**environment, "ENV_FILE": str(env_file)},
            capture_output=True,
            text=True,
            timeout=900,
        )

    def web_answers() -> int:
        connection = http.client.HTTPConnection("127.0.0.1", web_port, timeout=10)
        connection.request("GET", "/healthz", headers={"Host": "localhost"})
        return connection.getresponse().status

    try:
        first = deploy(good)

        log = (tmp_path / "web.log").read_text(errors="replace") if (tmp_path / "web.log").exists() else ""
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:] + log[-3000:]
        current = (app_root / "current").resolve()
        assert current.parent == app_root / "releases" and current.name.endswith(head[:12])
        assert (current / ".release-ok").exists()
        assert (current / "var" / "static" / "staticfiles.json").exists()
        assert (tmp_path / "systemctl.log").read_text().splitlines() == [
            "restart timeledger-web timeledger-worker timeledger-beat"
        ]
        assert "Smoke test passed." in first.stdout
        assert "Gates passed." in first.stdout
        assert first.stdout.index("Gates passed.") < first.stdout.index("current -> ")
        (summary,) = (tmp_path / "gates").glob("*/summary.json")
        gate_run = json.loads(summary.read_text())
        assert gate_run["ok"] and len(gate_run["runs"]) == 2 and gate_run["perf"]["figures"]["rows"] == 100
        assert (tmp_path / "gates" / "baseline.json").exists()
        assert not (tmp_path / "gates" / "candidate" / "gunicorn.pid").exists()  # the gates' gunicorn stopped
        # The bridge served on nginx's second upstream port while the web unit restarted, then stopped.
        out = first.stdout
        assert (
            out.index("current -> ")
            < out.index("bridge ready on")
            < out.index("ready: ")
            < out.index("bridge stopped")
        )
        assert not (tmp_path / "bridge" / "gunicorn.pid").exists()

        second = deploy(broken)

        assert second.returncode != 0
        assert "timeledger_missing_" in second.stderr
        assert (app_root / "current").resolve() == current
        failed = [r for r in (app_root / "releases").iterdir() if r != current]
        assert len(failed) == 1 and not (failed[0] / ".release-ok").exists()
        assert len((tmp_path / "systemctl.log").read_text().splitlines()) == 1
        assert web_answers() == 200  # the first release still serves
        # Same dependencies, same venv: the second deploy installed nothing.
        assert [v.name for v in (app_root / "venvs").iterdir()] == [(current / ".venv").resolve().name]
        assert (failed[0] / ".venv").resolve() == (current / ".venv").resolve()

        third = deploy(gates_fail)

        assert third.returncode != 0
        assert "Gates failed: strict run 1: login" in third.stderr + third.stdout
        assert "nothing switched" in third.stderr
        assert (app_root / "current").resolve() == current
        assert len((tmp_path / "systemctl.log").read_text().splitlines()) == 1
        assert web_answers() == 200
    finally:
        pidfile = tmp_path / "web.pid"
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(pidfile.read_text()), signal.SIGTERM)
