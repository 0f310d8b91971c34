"""The gates' HTTP client: the gate member's token, retries on 429, 5xx and connection errors (with the same
Idempotency-Key for writes, honouring Retry-After up to a cap), and the paths every stage asks."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import urllib3

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Where each stage asks; the drill points one at a path that must fail.
PATHS = {
    "health": "/healthz",
    "readiness": "/readyz",
    "login_page": "/accounts/login/",
    "me": "/api/me",
    "records": "/api/attendance/records",
    "punches": "/api/attendance/punches",
    "upload": "/api/attendance/import/upload",
    "preview": "/api/attendance/import/preview",
    "prepare": "/api/attendance/import/prepare",
    "commit": "/api/attendance/import/commit",
    "batch": "/api/attendance/import/batches/{id}",
    "job": "/api/attendance/import/jobs/{id}",
    "rollback": "/api/attendance/import/batches/{id}/rollback",
    "export": "/api/attendance/records/export.csv",
    "audit_export": "/api/attendance-admin/audit-logs/export.csv",
}


class GateFailure(Exception):
    """A stage's answer was wrong (or kept failing through every retry)."""


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    attempts: int
    seconds: float

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise GateFailure(f"answer {self.status} is not JSON: {self.body[:200]!r}") from error

    def text(self) -> str:
        return self.body.decode("utf-8-sig", errors="replace")


@dataclass
class Client:
    """HTTP with the gate's token and retry rule. Counts requests and the ones that failed for good."""

    base_url: str
    token: str
    retries: int = 4
    backoff: float = 0.5
    retry_after_cap: float = 10.0
    timeout: float = 120.0
    ca_file: str | None = None
    requests: int = 0
    failed: int = 0
    retried: int = 0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        kwargs = {"retries": False, "timeout": urllib3.Timeout(connect=10, read=self.timeout)}
        if urlsplit(self.base_url).scheme == "https":
            kwargs["ssl_context"] = ssl.create_default_context(cafile=self.ca_file)
        self.pool = urllib3.PoolManager(maxsize=4, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | dict | None = None,
        headers: dict | None = None,
        query: dict | None = None,
        auth: bool = True,
    ) -> Answer:
        sent = {"Accept": "application/json", "User-Agent": "timeledger-gates"}
        # Straight to gunicorn on plain HTTP (deploy.sh's candidate) a production app would redirect to
        # HTTPS; gunicorn believes this header from loopback only, and nginx sets its own.
        if urlsplit(self.base_url).scheme == "http":
            sent["X-Forwarded-Proto"] = "https"
        if auth:
            sent["Authorization"] = f"Bearer {self.token}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        started = time.monotonic()
        last = ""
        for attempt in range(1, self.retries + 2):
            self.requests += 1
            try:
                response = self.pool.request(method, url, body=body, headers=sent, redirect=False)
            except urllib3.exceptions.HTTPError as error:
                last = f"{type(error).__name__}: {error}"
                wait = self.backoff * 2 ** (attempt - 1)
            else:
                if response.status not in RETRY_STATUSES:
                    return Answer(
                        status=response.status,
                        headers={k.lower(): v for k, v in response.headers.items()},
                        body=response.data,
                        attempts=attempt,
                        seconds=time.monotonic() - started,
                    )
                last = f"{response.status} {response.data[:200]!r}"
                wait = self.backoff * 2 ** (attempt - 1)
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = max(wait, min(float(retry_after), self.retry_after_cap))
            if attempt <= self.retries:
                self.retried += 1
                self.sleep(wait)
        self.failed += 1
        raise GateFailure(f"{method} {path}: {last} after {self.retries + 1} attempts")


def expect(answer: Answer, status: int | tuple, what: str) -> Answer:
    wanted = status if isinstance(status, tuple) else (status,)
    if answer.status not in wanted:
        raise GateFailure(
            f"{what}: expected {'/'.join(map(str, wanted))}, got {answer.status} {answer.body[:300]!r}"
        )
    return answer
