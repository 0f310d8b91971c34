"""The processes of a benchmark run: gunicorn as deployed (deploy/gunicorn.conf.py, production settings), a
Celery worker with beat (the sealer and the import job), and wrk driving one path at a time."""

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from apps.imports.bench import ApiClient, database_url, free_port

LUA = Path(__file__).with_name("rush.lua")
WRK = "/usr/bin/wrk"
QUEUES = ("default", "imports", "notifications")  # settings.CELERY_QUEUE_NAMES, under this run's prefix


class BenchClient(ApiClient):
    """The import API client, speaking as nginx does (the scheme in X-Forwarded-Proto)."""

    def __init__(self, port: int, token: str):
        super().__init__(port, token)
        self.headers = {"X-Forwarded-Proto": "https"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"


@dataclass
class Servers:
    port: int
    env: dict
    web: subprocess.Popen
    worker: subprocess.Popen
    logs: Path

    def stop_web(self) -> None:
        if self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)
        try:
            self.web.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.web.kill()
            self.web.wait(timeout=10)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.web, self.worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def start_servers(*, workers: int, threads: int, conn_max_age: int, logs: Path) -> Servers:
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="api-bench-"))
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(scratch / "media"),
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "AUDIT_SEALING": "background",
        # Queues of its own (default, imports, notifications): another worker on the same Redis must not
        # take this run's tasks, and this run's worker must read the import job's queue too.
        "CELERY_QUEUE_PREFIX": f"api-bench-{os.getpid()}-",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    logs.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen(  # noqa: S603 - our own executables, fixed arguments
        [str(bin_dir / "gunicorn"), "-c", str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py")],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=(logs / "web.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency", "2",
         "--schedule", str(scratch / "beat-schedule"), "--loglevel=WARNING", "--without-gossip",
         "--without-mingle", "-Q", ",".join(f"{env['CELERY_QUEUE_PREFIX']}{name}" for name in QUEUES), "-n", f"api-bench-{os.getpid()}@%h"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=(logs / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    servers = Servers(port, env, web, worker, logs)
    try:
        BenchClient(port, "").wait_ready()
    except Exception:
        servers.stop()
        raise
    return servers


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: str) -> tuple[int, float]:
    """(parent pid, user + system CPU seconds) of a process, from /proc."""
    raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def server_cpu_seconds(web_pid: int, database: str) -> tuple[float, float]:
    """CPU seconds used so far by the web server (gunicorn's master and workers) and by the PostgreSQL
    backends of `database` on this host. Divided by the requests of a run this is the cost of one request,
    which other work on the machine does not change the way it changes throughput and latency."""
    web = db = 0.0
    proc = Path("/proc")
    if not proc.is_dir():
        return web, db
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, seconds = _proc_cpu(entry.name)
            if int(entry.name) == web_pid or parent == web_pid:
                web += seconds
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if command.startswith("postgres: ") and f" {database} " in command:
                db += seconds
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile, or is not ours to read
    return web, db


def run_wrk(
    *,
    port: int,
    mode: str,
    targets: list[str],
    connections: int,
    duration: float,
    key_prefix: str,
    workdir: Path,
    cpu_probe=None,
) -> dict:
    """One bounded wrk run; returns its summary (see rush.lua) with latencies in ms and the errors.
    `cpu_probe()`, if given, returns the servers' CPU seconds so far (server_cpu_seconds)."""
    workdir.mkdir(parents=True, exist_ok=True)
    targets_file = workdir / f"targets-{mode}-{key_prefix}.txt"
    targets_file.write_text("\n".join(targets) + "\n", encoding="utf-8")
    out = workdir / f"wrk-{key_prefix}.json"
    threads = min(2, connections)
    command = [
        WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s",
        "-s", str(LUA), f"http://127.0.0.1:{port}/", "--", mode, str(targets_file), key_prefix, str(threads),
    ]  # fmt: skip
    cpu_before = cpu_probe() if cpu_probe else None
    finished = subprocess.run(  # noqa: S603
        command,
        env={**os.environ, "WRK_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    if finished.returncode != 0 or not out.exists():
        raise CommandError(f"wrk failed: {finished.stderr or finished.stdout}")
    cpu_after = cpu_probe() if cpu_probe else None
    load = round(os.getloadavg()[0], 1)
    raw = json.loads(out.read_text(encoding="utf-8"))
    seconds = raw["durationUs"] / 1e6
    cpu = {}
    if cpu_before is not None and raw["requests"]:
        cpu = {
            "cpuMsPerRequest": {
                "web": round((cpu_after[0] - cpu_before[0]) * 1000 / raw["requests"], 2),
                "database": round((cpu_after[1] - cpu_before[1]) * 1000 / raw["requests"], 2),
            }
        }
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "rps": round(raw["requests"] / seconds, 1),
        "p50Ms": round(raw["p50Us"] / 1000, 1),
        "p95Ms": round(raw["p95Us"] / 1000, 1),
        "p99Ms": round(raw["p99Us"] / 1000, 1),
        "maxMs": round(raw["maxUs"] / 1000, 1),
        "errors": socket_errors + raw["status"],
        "errorsByKind": {
            "http4xx": raw["clientErrors"],
            "http5xx": raw["serverErrors"],
            "timeout": raw["timeout"],
            "socket": raw["connect"] + raw["read"] + raw["write"],
        },
        "requests": raw["requests"],
        "sent": raw["sent"],
        "created": raw["created"],
        "concurrency": connections,
        "seconds": round(seconds, 2),
        **cpu,
        "loadAverage1m": load,
    }


def wait_until(condition, *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
