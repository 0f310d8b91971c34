"""A real HTTP receiver on loopback for the webhook tests: a threaded http.server whose answers the test
scripts ("ok", "fail" = 500, "reject" = 400, "timeout" = no answer until the test ends)."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.access import roles


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    script: list = field(default_factory=list)  # answers to give, in order; "ok" once it runs out
    received: list = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def answer(self) -> str:
        return self.script.pop(0) if self.script else "ok"


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.arrived:
                state.received.append(Received(self.path, dict(self.headers), body))
                answer = state.answer()
                state.arrived.notify_all()
            if answer == "timeout":
                state.released.wait(10)  # longer than the client's timeout; released when the test ends
                return
            code = {"ok": 200, "fail": 500, "reject": 400, "unavailable": 503}[answer]
            payload = b'{"received": true}' if code == 200 else b"receiver says no"
            self.send_response(code)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/timeledger"
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 10
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 60


@pytest.fixture
def admin(make_member):
    return make_member("boss", roles.ADMIN)


@pytest.fixture
def admin_api(admin):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=admin.user)
    return client


@pytest.fixture
def endpoint_for(admin):
    """`endpoint_for(receiver, events=[...])` registers an endpoint (through the service) and returns
    (endpoint, secret)."""
    from apps.audit.webhooks.endpoints import webhook_endpoint_create

    def make(receiver, events=("punch.created",), **kwargs):
        created = webhook_endpoint_create(actor=admin, url=receiver.url, events=list(events), **kwargs)
        return created.endpoint, created.secret

    return make
