"""Helpers for the deploy tests: the real nginx config adapted to a loopback prefix, started processes that
are always stopped, and bounded polls instead of sleeps."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
NGINX_DIR = DEPLOY / "nginx"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
OPENSSL = shutil.which("openssl")
# Debian's nginx ships the MIME table the site relies on (static files need their real types).
MIME_TYPES = Path("/etc/nginx/mime.types")
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception as error:  # the thing polled is not up yet
            last_error = error
        else:
            if result:
                return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_error!r})")


def replace_once(text: str, old: str, new: str, *, source: str) -> str:
    """The harness adapts the real config by exact substitutions; if one no longer matches, the config
    changed shape and this test must be told, rather than silently testing something else."""
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"expected exactly one {old!r} in {source}, found {count}")
    return text.replace(old, new)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@dataclass
class NginxPrefix:
    """A private nginx prefix holding the real site and snippet, adapted to loopback ports and temp dirs."""

    root: Path
    http_port: int
    https_port: int

    @property
    def conf(self) -> Path:
        return self.root / "conf" / "nginx.conf"

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    @property
    def access_log(self) -> Path:
        return self.root / "logs" / "timeledger.access.log"

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.root), "-c", str(self.conf), "-e", str(self.error_log), *args]


def build_nginx_prefix(
    root: Path,
    *,
    cert: Path,
    key: Path,
    upstream_port: int = 8000,
    spare_port: int | None = None,
    static_parent: Path | None = None,
    loopback: bool = True,
) -> NginxPrefix:
    """Write `root/conf/nginx.conf` (our own main file, as Debian's would be) including the real
    deploy/nginx/timeledger.conf and snippets/timeledger-app.conf. With loopback=False only the paths that
    cannot exist here (certificates, logs) change: that is the config `nginx -t` checks."""
    conf_dir, logs, temp = root / "conf", root / "logs", root / "temp"
    for directory in (conf_dir / "sites", conf_dir / "snippets", logs, temp):
        directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(MIME_TYPES, conf_dir / "mime.types")
    http_port, https_port = (free_port(), free_port()) if loopback else (80, 443)

    source = "deploy/nginx/timeledger.conf"
    site = (NGINX_DIR / "timeledger.conf").read_text()
    site = replace_once(site, "/etc/ssl/timeledger/fullchain.pem", str(cert), source=source)
    site = replace_once(site, "/etc/ssl/timeledger/privkey.pem", str(key), source=source)
    site = site.replace("/var/log/nginx/", f"{logs}/")
    if loopback:
        site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{http_port};", source=source)
        site = replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", source=source)
        # This sandbox may have no IPv6; the IPv4 listeners carry the test.
        site = replace_once(site, "listen [::]:80;", "", source=source)
        site = replace_once(site, "listen [::]:443 ssl;", "", source=source)
        site = replace_once(
            site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};", source=source
        )
        # The replacement's port: a given one, or a free one nothing listens on (never a real 8001 here).
        site = replace_once(
            site,
            "server 127.0.0.1:8001 backup;",
            f"server 127.0.0.1:{spare_port or free_port()} backup;",
            source=source,
        )
    (conf_dir / "sites" / "timeledger.conf").write_text(site)

    snippet_source = "deploy/nginx/timeledger-app.conf"
    snippet = (NGINX_DIR / "timeledger-app.conf").read_text()
    if static_parent is not None:
        snippet = replace_once(
            snippet, "root /srv/timeledger/current/var;", f"root {static_parent};", source=snippet_source
        )
    (conf_dir / "snippets" / "timeledger-app.conf").write_text(snippet)

    # Running as root, nginx would hand the workers to `nobody`, who cannot read pytest's 0700 temp dirs.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp_paths = "".join(
        f"    {name}_temp_path {temp / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (conf_dir / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {root / 'nginx.pid'};\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    include mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"    access_log {logs / 'access.log'};\n"
        f"{temp_paths}"
        "    include sites/timeledger.conf;\n"
        "}\n"
    )
    return NginxPrefix(root=root, http_port=http_port, https_port=https_port)


@dataclass
class Service:
    """A process we started, in its own process group, with its output in a log file."""

    name: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def assert_alive(self) -> None:
        if not self.alive():
            raise AssertionError(
                f"{self.name} exited with {self.process.returncode}:\n{self.output()[-4000:]}"
            )

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the group this process leads (only what we started), SIGKILL if it lingers."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        else:
            # The leader exited; make sure nothing it forked survives it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


def start(name: str, command: list[str], *, env: dict, logs: Path, cwd: Path = REPO) -> Service:
    log = logs / f"{name}.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    handle.close()
    return Service(name=name, process=process, log=log)


def base_environment() -> dict[str, str]:
    """Only what a service manager would give: no DJANGO_ENV=test or pytest variables leak in."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def unit_command(unit: str, *, state_dir: Path) -> list[str]:
    """The ExecStart of a real systemd unit in deploy/systemd/, pointed at this checkout and its venv."""
    text = (DEPLOY / "systemd" / unit).read_text()
    lines = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    assert len(lines) == 1, f"{unit} should have exactly one ExecStart"
    command = shlex.split(lines[0].removeprefix("ExecStart="))
    assert command[0].startswith("/srv/timeledger/current/.venv/bin/"), command[0]
    replacements = [
        ("/srv/timeledger/current/.venv/bin/", f"{VENV_BIN}/"),
        ("/srv/timeledger/current/", f"{REPO}/"),
        ("/var/lib/timeledger/", f"{state_dir}/"),
    ]
    adapted = []
    for argument in command:
        for old, new in replacements:
            argument = argument.replace(old, new)
        adapted.append(argument.replace("%%", "%"))
    return adapted


def unit_environment(unit: str) -> dict[str, str]:
    """The unit's own Environment= lines (the rest comes from the EnvironmentFile, i.e. the test)."""
    env = {}
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if line.startswith("Environment="):
            key, _, value = line.removeprefix("Environment=").partition("=")
            env[key] = value.replace("/srv/timeledger/current", str(REPO))
    return env


GATE_ACCOUNT_SCRIPT = """
import sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from apps.access import roles
from apps.access.models import Membership, Organization
from apps.access.services import token_create
slug, username = sys.argv[1], sys.argv[2]
organization, _ = Organization.objects.get_or_create(
    slug=slug, defaults={"name": slug, "timezone": "Asia/Shanghai"}
)
user, _ = get_user_model().objects.get_or_create(username=username)
member, _ = Membership.objects.get_or_create(
    user=user, organization=organization, defaults={"display_name": username, "employee_no": username.upper()}
)
member.roles.set(Group.objects.filter(name__in=[roles.IMPORTER, roles.ADMIN, roles.EMPLOYEE]))
print(token_create(user=user, organization=organization, name="gates", expires_days=1).raw)
"""


def gate_account(env: dict, *, slug: str = "gates", username: str = "gate") -> str:
    """An organization with a member holding the importer, admin and employee roles, in the database of
    `env` (a production environment); returns a fresh API token of that member. What a deployment's
    administrators set up once for `manage.py gates` (docs/runbook.md, "Gates")."""
    result = subprocess.run(
        [sys.executable, "-c", GATE_ACCOUNT_SCRIPT, slug, username],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]
