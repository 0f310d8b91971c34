"""Gunicorn settings for TimeLedger in production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Everything tunable comes from GUNICORN_* variables (read through django-environ, like the app's own
settings); the defaults suit a 2-core host behind the nginx in deploy/nginx/.
"""

import os
import shutil
from pathlib import Path

import environ

env = environ.Env()


def _cores() -> int:
    # The CPUs this process may run on (a container's cpuset), not the host's count.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# The project root (this file is deploy/gunicorn.conf.py), so `config.wsgi` imports from any cwd.
chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "config.wsgi:application"
bind = env.list("GUNICORN_BIND", default=["127.0.0.1:8000"])

# Threads, not more processes: an upload is streamed to us unbuffered (nginx's proxy_request_buffering
# off), so a slow client holds a thread, not a whole worker. cores + 1 workers (2 cores -> 3 x 4 threads):
# measured against 2 x cores + 1 in docs/deploy.md "Sizing", fewer processes contending for the cores did
# as many or more requests a second with less CPU per request.
worker_class = "gthread"
workers = env.int("GUNICORN_WORKERS", default=_cores() + 1)
threads = env.int("GUNICORN_THREADS", default=4)

# Above nginx's longest proxy_read_timeout (300s on import routes): gunicorn never kills a request
# nginx is still waiting for. For gthread workers this is the heartbeat deadline of a stuck worker.
timeout = env.int("GUNICORN_TIMEOUT", default=310)
# On SIGTERM (deploy, scale-in) in-flight requests get this long; Kubernetes' grace period is longer.
graceful_timeout = env.int("GUNICORN_GRACEFUL_TIMEOUT", default=30)
# Longer than nginx's upstream keepalive_timeout (60s) so nginx never reuses a socket we just closed.
keepalive = env.int("GUNICORN_KEEPALIVE", default=75)

# Recycle workers now and then so a slow leak cannot grow without bound; the jitter keeps them
# from all restarting at once.
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=2000)
max_requests_jitter = env.int("GUNICORN_MAX_REQUESTS_JITTER", default=200)

# Import the app once in the master: a bad configuration (say a default SECRET_KEY) stops the start
# with the reason instead of a loop of dying workers, and workers share the loaded code.
preload_app = True

# Only nginx (loopback, or the pod network in Kubernetes) may tell us the scheme through X-Forwarded-*.
forwarded_allow_ips = env.str("GUNICORN_FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")

# Heartbeat files on tmpfs: a worker never blocks on a slow disk, and the root filesystem may be read-only.
_SHM = Path("/dev/shm")  # noqa: S108 - a tmpfs on purpose; gunicorn makes its files private
worker_tmp_dir = env.str("GUNICORN_WORKER_TMP_DIR", default=str(_SHM) if _SHM.is_dir() else None)
# No control socket: it would be written under $HOME, which is read-only or shared in production.
control_socket_disable = True

# The app writes one JSON line per request (with request id, user and organization), so gunicorn's
# own access log is off; its error log is JSON on stderr like everything else.
accesslog = None
errorlog = "-"
loglevel = env.str("GUNICORN_LOG_LEVEL", default="info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    # Gunicorn merges this dict over its defaults one key deep: root must name a handler defined here.
    "root": {"handlers": ["error_console"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}

proc_name = "timeledger-web"

# Prometheus: with several worker processes each keeps its own counters; in multiprocess mode
# (PROMETHEUS_MULTIPROC_DIR set for the web process only) /metrics adds them up across workers.
_metrics_dir = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if _metrics_dir:
    # Before preload_app imports the app, whose metrics open their files here at once.
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)


def on_starting(server):
    """Start from an empty metrics directory: files left by a previous run would be counted again. (Runs
    once per start, after the preload: the master's own files go too, and it never serves a request.)"""
    if _metrics_dir:
        for entry in Path(_metrics_dir).iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def child_exit(server, worker):
    """A recycled or dead worker's live gauges must not be reported any more."""
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
