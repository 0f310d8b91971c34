#!/usr/bin/env python3
"""A TimeLedger integration in one file, with the Python standard library only (docs/integrations.md).

    python3 docs/examples/integration_example.py --base-url https://timeledger.example --token tl_...

What it does, in order:

1. `GET /api/me`: who the token belongs to.
2. A refused request, to show the error envelope (`{"ok": false, "error": {"code", "message", "details"}}`).
3. With `--webhook` (needs an admin's token, and a TimeLedger that may reach this machine): starts a small
   HTTP receiver here, registers it for `punch.created`, keeps the secret the answer shows once.
4. A clock-in with an `Idempotency-Key`, then the same request again: the second answer is the first one,
   replayed (`Idempotent-Replayed: true`), and no second punch exists.
5. Every daily record of this month, page by page (`?page=&pageSize=`, following `next`).
6. This year's leave summary report.
7. With `--webhook`: waits for the punch's webhook, verifies its `X-TimeLedger-Signature` and removes the
   endpoint again.

It prints one JSON object per step (`{"step": ..., ...}`) so that a program (our test) can read it.
"""

import argparse
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SIGNATURE_HEADER = "X-TimeLedger-Signature"
TOLERANCE_SECONDS = 300


# --- the API --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An answer in the error envelope. Branch on `code` (stable), show `message` (translated) to people."""

    def __init__(self, status: int, code: str, message: str, details: dict, headers):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details, self.headers = (
            status,
            code,
            message,
            details,
            headers,
        )


class Client:
    def __init__(self, base_url: str, token: str, *, retries: int = 3):
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("the base URL must start with https:// (or http:// for a local server)")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retries = retries

    def request(self, method: str, path: str, *, body=None, headers=None, query=None):
        """(status, JSON body, response headers). Raises ApiError for an error envelope; waits and retries
        on 429 and 503 as `Retry-After` says."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        for attempt in range(self.retries + 1):
            # The base URL is http(s), checked in __init__.
            request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    raw = response.read()
                    return response.status, (json.loads(raw) if raw else None), response.headers
            except urllib.error.HTTPError as error:
                raw = error.read()
                try:
                    envelope = json.loads(raw)["error"]
                except (ValueError, KeyError, TypeError):
                    envelope = {"code": "HTTP_ERROR", "message": raw[:200].decode("utf-8", "replace")}
                if error.code in (429, 503) and attempt < self.retries:
                    time.sleep(min(float(error.headers.get("Retry-After") or 1), 30))
                    continue
                raise ApiError(
                    error.code, envelope.get("code", ""), envelope.get("message", ""),
                    envelope.get("details") or {}, error.headers,
                ) from None  # fmt: skip
        raise AssertionError("unreachable")

    def pages(self, path: str, *, query=None, page_size: int = 200):
        """Every item of a paged list: `?page=1&pageSize=N`, then the `next` address until there is none."""
        _status, body, _headers = self.request("GET", path, query={**(query or {}), "pageSize": page_size})
        while True:
            yield body
            if not body.get("next"):
                return
            # `next` is a full address on this server; keep its path and query.
            parts = urllib.parse.urlsplit(body["next"])
            _status, body, _headers = self.request(
                "GET", parts.path + ("?" + parts.query if parts.query else "")
            )


# --- webhooks -------------------------------------------------------------------------------------------


def signature_valid(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """`X-TimeLedger-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 with the endpoint's secret over
    `<t>.<raw body>`. Use the bytes as received (not re-serialised JSON), compare in constant time, and refuse
    a `t` more than 5 minutes from your clock (a replayed old delivery)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


class Receiver:
    """A webhook receiver: answers 2xx quickly to a valid signature, 400 otherwise, and deduplicates on the
    event id (deliveries are at least once)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.secret = ""
        self.events: queue.Queue = queue.Queue()
        self.seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                valid = signature_valid(receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body)
                self.send_response(204 if valid else 400)
                self.end_headers()
                if valid:
                    event = json.loads(body)
                    if event["id"] not in receiver.seen:  # a redelivery of an event already handled
                        receiver.seen.add(event["id"])
                        receiver.events.put(event)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}/timeledger/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- the walk -------------------------------------------------------------------------------------------


def say(step: str, **facts):
    sys.stdout.write(json.dumps({"step": step, **facts}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True, help="An API token (manage.py tokens create ...).")
    parser.add_argument("--webhook", action="store_true", help="Register a receiver here (admin token).")
    parser.add_argument("--listen", default="127.0.0.1", help="The receiver's address (default 127.0.0.1).")
    parser.add_argument("--page-size", type=int, default=50)
    options = parser.parse_args(argv)
    api = Client(options.base_url, options.token)

    _status, me, _headers = api.request("GET", "/api/me")
    say("me", username=me["user"]["username"], organization=(me.get("organization") or {}).get("slug"))

    try:
        api.request("GET", "/api/attendance/records", query={"from": "yesterday"})
    except ApiError as error:
        say("error", status=error.status, code=error.code, message=error.message, details=error.details)

    receiver = endpoint_id = None
    if options.webhook:
        receiver = Receiver(options.listen)
        _status, endpoint, _headers = api.request(
            "POST", "/api/attendance-admin/webhooks",
            body={"url": receiver.url, "events": ["punch.created"], "description": "integration example"},
        )  # fmt: skip
        receiver.secret, endpoint_id = endpoint["secret"], endpoint["id"]  # the secret is shown only now
        say("webhook_registered", id=endpoint_id, url=receiver.url)

    try:
        key = f"example-{uuid.uuid4()}"  # one key per intended punch; keep it for every retry of that punch
        body = {"kind": "in", "deviceId": "integration-example"}
        status, first, headers = api.request(
            "POST", "/api/attendance/punches", body=body, headers={"Idempotency-Key": key}
        )
        say("punch", status=status, id=first["id"], replayed=headers.get("Idempotent-Replayed") == "true")
        status, again, headers = api.request(
            "POST", "/api/attendance/punches", body=body, headers={"Idempotency-Key": key}
        )
        say(
            "punch_retry",
            status=status,
            id=again["id"],
            replayed=headers.get("Idempotent-Replayed") == "true",
        )

        records, pages = [], 0
        for page in api.pages("/api/attendance/records", page_size=options.page_size):
            pages += 1
            records.extend(page["results"])
        say("records", pages=pages, count=len(records), dates=sorted({r["workDate"] for r in records}))

        _status, report, _headers = api.request("GET", "/api/attendance/reports/leave-summary")
        say("leave_summary", year=report["year"], rows=len(report["rows"]))

        if receiver is not None:
            try:
                event = receiver.events.get(timeout=30)
            except queue.Empty:
                say("webhook", received=False)
                return 1
            say("webhook", received=True, verified=True, type=event["type"], id=event["id"],
                punch=event["data"].get("punchId"))  # fmt: skip
    finally:
        if endpoint_id is not None:
            api.request("DELETE", f"/api/attendance-admin/webhooks/{endpoint_id}")
        if receiver is not None:
            receiver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
