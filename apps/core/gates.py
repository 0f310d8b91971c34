"""Deploy gates over HTTP only (`manage.py gates`, docs/runbook.md "Gates"): a strict gate that walks what a
user and an importer do, a perf gate with thresholds and a regression check against a stored baseline, and a
drill that proves a failing gate is reported as failing.

Nothing here touches the database or imports an app: the gate asks a running deployment, the way its users
do, with an API token of a dedicated gate member (importer and admin roles). What it writes is undone: the
import it commits is rolled back; the one thing that stays is the gate member's clock-in of the day (and the
audit entries, which are the point of an audit log). Its import uses dates in the year 2000, which no real
attendance has.

Every request is retried on 429, 5xx and connection errors (a deploy's brief 502 is not a failed gate),
with the same Idempotency-Key for writes, honouring Retry-After up to a cap. A stage fails on an answer
that is wrong, or on an error that persists through every retry.
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import urllib3

GATE_DAY = date(2000, 1, 3)  # the strict gate's import: three days from here (a Monday)
PERF_DAY = date(2000, 2, 1)  # the perf gate's: --perf-rows consecutive days from here
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
STRICT_STAGES = (
    "health",
    "readiness",
    "login",
    "records",
    "clock_in",
    "import",
    "export",
    "rollback",
    "audit_export",
)
# name -> (unit, which way is better). Thresholds and the regression check use the same names.
PERF_METRICS = {
    "api_p95_ms": ("ms", "lower"),
    "health_p95_ms": ("ms", "lower"),
    "import_rows_per_second": ("rows/s", "higher"),
    "export_seconds": ("s", "lower"),
    "rollback_seconds": ("s", "lower"),
    "error_rate": ("ratio", "lower"),
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


@dataclass
class StageResult:
    name: str
    ok: bool
    seconds: float
    detail: str
    attempts: int = 0


@dataclass
class Run:
    """One pass of the strict gate: its stages in order; after a failure the rest are skipped."""

    number: int
    stages: list[StageResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(stage.ok for stage in self.stages) and len(self.stages) == len(STRICT_STAGES)

    @property
    def failed_stage(self) -> str | None:
        return next((stage.name for stage in self.stages if not stage.ok), None)


def import_csv(member: dict, start: date, days: int) -> str:
    """Our template's columns: the gate member (by employee number, else user name), one row a day."""
    header = "日期,工号,姓名,上班1打卡时间,下班1打卡时间\n"
    employee_no, name = member.get("employeeNo") or "", "" if member.get("employeeNo") else member["username"]
    lines = [
        f"{start + timedelta(days=offset)},{employee_no},{name},09:0{offset % 10},18:0{offset % 10}\n"
        for offset in range(days)
    ]
    return header + "".join(lines)


class StrictGate:
    """The stages of one run share what earlier ones found (the member, the batch)."""

    def __init__(
        self,
        client: Client,
        paths: dict | None = None,
        *,
        job_timeout: float = 300.0,
        audit_timeout: float = 60.0,
    ):
        self.client = client
        self.paths = {**PATHS, **(paths or {})}
        self.job_timeout = job_timeout
        self.audit_timeout = audit_timeout
        self.member: dict = {}
        self.batch: dict = {}
        self.rows = 3

    def run(self, number: int) -> Run:
        run = Run(number=number)
        for name in STRICT_STAGES:
            before = self.client.requests
            started = time.monotonic()
            try:
                detail = getattr(self, f"stage_{name}")()
                ok = True
            except GateFailure as error:
                detail, ok = str(error), False
            run.stages.append(
                StageResult(
                    name=name,
                    ok=ok,
                    seconds=round(time.monotonic() - started, 3),
                    detail=detail,
                    attempts=self.client.requests - before,
                )
            )
            if not ok:
                break
        return run

    # -- stages ---------------------------------------------------------------------------------------
    def stage_health(self) -> str:
        answer = expect(self.client.request("GET", self.paths["health"], auth=False), 200, "healthz")
        if answer.json().get("status") != "ok":
            raise GateFailure(f"healthz said {answer.body[:200]!r}")
        return "200 ok"

    def stage_readiness(self) -> str:
        answer = expect(self.client.request("GET", self.paths["readiness"], auth=False), 200, "readyz")
        checks = answer.json().get("checks", {})
        return "200 " + ", ".join(f"{k} {v}" for k, v in checks.items())

    def stage_login(self) -> str:
        page = expect(
            self.client.request("GET", self.paths["login_page"], auth=False, headers={"Accept": "text/html"}),
            200,
            "sign-in page",
        )
        if b"<form" not in page.body:
            raise GateFailure("the sign-in page has no form")
        me = expect(self.client.request("GET", self.paths["me"]), 200, "the token's /api/me").json()
        membership = me.get("membership") or {}
        if not membership:
            raise GateFailure("the token has no membership in an organization")
        permissions = set(me.get("permissions") or ())
        self.member = {**membership, "username": me["user"]["username"]}
        return (
            f"{me['user']['username']} in {me['organization']['slug']} ({', '.join(me.get('roles', []))}); "
            + (f"{len(permissions)} permissions")
        )

    def stage_records(self) -> str:
        answer = expect(
            self.client.request(
                "GET",
                self.paths["records"],
                query={"from": str(GATE_DAY), "to": str(GATE_DAY + timedelta(days=6))},
            ),
            200,
            "records",
        )
        body = answer.json()
        if "results" not in body:
            raise GateFailure(f"records answered without results: {answer.body[:200]!r}")
        return f"{len(body['results'])} records listed"

    def stage_clock_in(self) -> str:
        key = f"gate-punch-{secrets.token_hex(8)}"
        headers = {"Idempotency-Key": key}
        first = expect(
            self.client.request(
                "POST", self.paths["punches"], body={"kind": "in", "deviceId": "gate"}, headers=headers
            ),
            201,
            "clock-in",
        ).json()
        again = self.client.request(
            "POST", self.paths["punches"], body={"kind": "in", "deviceId": "gate"}, headers=headers
        )
        expect(again, (200, 201), "the clock-in's replay")
        if again.json().get("id") != first.get("id") or again.headers.get("idempotent-replayed") != "true":
            raise GateFailure(f"the replay made another punch: {first.get('id')} then {again.body[:200]!r}")
        return f"punch {first['id']} once, replayed with the same key"

    def stage_import(self) -> str:
        detail, self.batch = import_commit(
            self.client, self.paths, self.member, GATE_DAY, self.rows, job_timeout=self.job_timeout
        )
        return detail

    def stage_export(self) -> str:
        answer = expect(
            self.client.request(
                "GET", self.paths["export"], query={"batch": self.batch["id"]}, headers={"Accept": "text/csv"}
            ),
            200,
            "records export",
        )
        lines = [line for line in answer.text().splitlines() if line.strip()]
        if len(lines) - 1 != self.rows:
            raise GateFailure(
                f"the export of batch {self.batch['id']} has {len(lines) - 1} rows, not {self.rows}"
            )
        return f"{self.rows} rows of batch {self.batch['id']}"

    def stage_rollback(self) -> str:
        answer = expect(
            self.client.request("POST", self.paths["rollback"].format(id=self.batch["id"]), body={}),
            200,
            "rollback",
        ).json()
        if answer.get("status") != "rolled_back":
            raise GateFailure(f"batch {self.batch['id']} is {answer.get('status')!r} after its rollback")
        return f"batch {self.batch['id']} rolled back"

    def stage_audit_export(self) -> str:
        """The commit and the rollback of this run's batch are in the operation log's CSV export. Entries
        are listed once the sealer chained them (within seconds in production, AUDIT_SEALING=background):
        polled until `audit_timeout`."""
        today = datetime.now(UTC).date()
        query = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
        wanted = {"imports.batch.commit", "imports.batch.rollback"}
        deadline = time.monotonic() + self.audit_timeout
        while True:
            answer = expect(
                self.client.request(
                    "GET", self.paths["audit_export"], query=query, headers={"Accept": "text/csv"}
                ),
                200,
                "audit export",
            )
            rows = list(csv.DictReader(io.StringIO(answer.text())))
            if rows and "action" not in rows[0]:
                raise GateFailure(f"the audit export has no action column: {list(rows[0])}")
            found = {row["action"] for row in rows if row.get("target_id") == str(self.batch["id"])} & wanted
            if found == wanted:
                return f"{len(rows)} entries, batch {self.batch['id']}'s commit and rollback among them"
            if time.monotonic() >= deadline:
                missing = ", ".join(sorted(wanted - found))
                raise GateFailure(
                    f"after {self.audit_timeout:.0f}s the audit export still lacks {missing} of batch {self.batch['id']}"
                )
            time.sleep(2)


def import_commit(
    client: Client, paths: dict, member: dict, start: date, rows: int, *, job_timeout: float
) -> tuple[str, dict]:
    """upload -> preview -> prepare -> commit, every step retried by the client with the same key; a commit
    whose token was used by an attempt we never saw the answer to is prepared again (same key: same batch)."""
    csv = import_csv(member, start, rows).encode()
    upload = expect(
        client.request(
            "POST",
            paths["upload"],
            body=csv,
            headers={"Content-Type": "text/csv"},
            query={"filename": "gate.csv"},
        ),
        201,
        "upload",
    ).json()
    preview = client.request("POST", paths["preview"], body={"uploadId": upload["id"], "previewLimit": 0})
    expect(preview, (200, 202), "preview")
    if preview.status == 202:
        job_wait(client, paths, preview.json()["id"], job_timeout)
    else:
        summary = preview.json()["summary"]
        if summary.get("invalid") or summary.get("valid") != rows:
            raise GateFailure(f"the preview found {summary.get('valid')} valid rows of {rows}: {summary}")
    key = f"gate-import-{secrets.token_hex(8)}"
    attempts = 0
    for _ in range(3):
        token = expect(
            client.request("POST", paths["prepare"], body={"uploadId": upload["id"]}), 201, "prepare"
        )
        commit = client.request(
            "POST",
            paths["commit"],
            body={"commitToken": token.json()["commitToken"], "onError": "reject"},
            headers={"Idempotency-Key": key},
        )
        attempts += commit.attempts
        if commit.status == 409 and b"COMMIT_TOKEN_USED" in commit.body:
            continue
        break
    expect(commit, (200, 202), "commit")
    body = commit.json()
    batch = body.get("batch", body) if commit.status == 202 else body
    if commit.status == 202:
        job_wait(client, paths, body["job"]["id"], job_timeout)
        batch = expect(client.request("GET", paths["batch"].format(id=batch["id"])), 200, "batch").json()
    if batch.get("status") != "completed":
        raise GateFailure(f"batch {batch.get('id')} is {batch.get('status')!r}: {json.dumps(batch)[:300]}")
    return f"{rows} rows, batch {batch['id']} completed ({attempts} commit attempt(s), one key)", batch


def job_wait(client: Client, paths: dict, job_id: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = expect(client.request("GET", paths["job"].format(id=job_id)), 200, "job").json()
        if job["status"] == "completed":
            return job
        if job["status"] == "failed":
            raise GateFailure(f"job {job_id} failed: {job.get('errorCode')}")
        time.sleep(0.5)
    raise GateFailure(f"job {job_id} did not finish in {timeout:.0f}s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def perf_gate(client: Client, member: dict, *, rows: int, samples: int, job_timeout: float) -> dict:
    """The figures the thresholds and the baseline are about; the import is rolled back at the end."""
    start_requests, start_failed = client.requests, client.failed

    def timed(method: str, path: str, **kwargs) -> float:
        started = time.monotonic()
        expect(client.request(method, path, **kwargs), 200, path)
        return (time.monotonic() - started) * 1000

    health = [timed("GET", PATHS["health"], auth=False) for _ in range(samples)]
    query = {"from": str(PERF_DAY), "to": str(PERF_DAY + timedelta(days=30))}
    api = [timed("GET", PATHS["records"], query=query) for _ in range(samples)]
    started = time.monotonic()
    _, batch = import_commit(client, PATHS, member, PERF_DAY, rows, job_timeout=job_timeout)
    import_seconds = time.monotonic() - started
    export_ms = timed("GET", PATHS["export"], query={"batch": batch["id"]}, headers={"Accept": "text/csv"})
    rollback_ms = timed("POST", PATHS["rollback"].format(id=batch["id"]), body={})
    requests = client.requests - start_requests
    return {
        "rows": rows,
        "samples": samples,
        "api_p95_ms": round(percentile(api, 0.95), 1),
        "health_p95_ms": round(percentile(health, 0.95), 1),
        "import_rows_per_second": round(rows / import_seconds, 1),
        "export_seconds": round(export_ms / 1000, 3),
        "rollback_seconds": round(rollback_ms / 1000, 3),
        "error_rate": round((client.failed - start_failed) / max(requests, 1), 4),
        "retried": client.retried,
    }


def perf_check(figures: dict, thresholds: dict, baseline: dict | None, max_regression: float) -> list[str]:
    """What is wrong with these figures: a threshold crossed, or worse than the baseline by more than
    max_regression (0.5 = 50 %). Empty: the perf gate passes."""
    problems = []
    for name, limit in thresholds.items():
        if limit is None or name not in figures:
            continue
        _, better = PERF_METRICS[name]
        value = figures[name]
        if (better == "lower" and value > limit) or (better == "higher" and value < limit):
            word = "above" if better == "lower" else "below"
            problems.append(f"{name} {value} is {word} the threshold {limit}")
    for name, (_, better) in PERF_METRICS.items():
        old = (baseline or {}).get(name)
        if old is None or name not in figures or name == "error_rate":
            continue
        value = figures[name]
        if better == "lower" and value > old * (1 + max_regression) and value - old > 0.005 * (old or 1):
            problems.append(
                f"{name} {value} regressed from the baseline's {old} (more than {max_regression:.0%} worse)"
            )
        if better == "higher" and value < old / (1 + max_regression):
            problems.append(
                f"{name} {value} regressed from the baseline's {old} (more than {max_regression:.0%} worse)"
            )
    return problems


def drill(client_factory: Callable[[], Client], figures: dict | None) -> dict:
    """Prove the gate reports failures: the strict gate with readiness pointed at a path that must fail
    must fail at readiness; the perf check against a baseline ten times better must report regressions."""
    must_fail = "/readyz/gate-drill-must-fail"
    run = StrictGate(client_factory(), paths={"readiness": must_fail}).run(0)
    strict_ok = not run.ok and run.failed_stage == "readiness"
    sample = figures or {"api_p95_ms": 50.0, "import_rows_per_second": 1000.0}
    better = {
        name: (value / 10 if PERF_METRICS[name][1] == "lower" else value * 10)
        for name, value in sample.items()
        if name in PERF_METRICS and name != "error_rate" and value
    }
    regressions = perf_check(sample, {}, better, 0.5)
    perf_ok = len(regressions) == len(better) > 0
    return {
        "ok": strict_ok and perf_ok,
        "strict": {
            "path": must_fail,
            "reported_failing_stage": run.failed_stage,
            "detail": next((s.detail for s in run.stages if not s.ok), "the gate passed"),
            "ok": strict_ok,
        },
        "perf": {"regressions_reported": len(regressions), "expected": len(better), "ok": perf_ok},
    }


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# Gates {summary['startedAt']}: {'PASSED' if summary['ok'] else 'FAILED'}",
        "",
        f"Base URL `{summary['baseUrl']}`, {summary['seconds']} s.",
        "",
    ]
    if summary["failed"]:
        lines += [f"**Failed:** {', '.join(summary['failed'])}", ""]
    for run in summary["runs"]:
        lines += [
            f"## Strict gate, run {run['number']}",
            "",
            "| stage | result | s | requests | detail |",
            "| --- | --- | --- | --- | --- |",
        ]
        for stage in run["stages"]:
            detail = stage["detail"].replace("|", "\\|")
            lines.append(
                f"| {stage['name']} | {'ok' if stage['ok'] else 'FAILED'} | {stage['seconds']} | {stage['attempts']} | {detail} |"
            )
        skipped = [name for name in STRICT_STAGES if name not in {s["name"] for s in run["stages"]}]
        if skipped:
            lines.append(f"| {', '.join(skipped)} | skipped | | | after the failure |")
        lines.append("")
    perf = summary.get("perf")
    if perf:
        lines += [
            "## Perf gate",
            "",
            "| figure | value | threshold | baseline |",
            "| --- | --- | --- | --- |",
        ]
        for name, (unit, better) in PERF_METRICS.items():
            if name in perf.get("figures", {}):
                limit = perf["thresholds"].get(name)
                bound = "" if limit is None else f"{'<=' if better == 'lower' else '>='} {limit}"
                base = (perf.get("baseline") or {}).get(name, "")
                lines.append(f"| {name} ({unit}) | {perf['figures'][name]} | {bound} | {base} |")
        lines += ["", f"Rows imported: {perf['figures'].get('rows')}; baseline: {perf['baselineNote']}."]
        lines += [f"- {problem}" for problem in perf["problems"]] + [""]
    if summary.get("drill"):
        drill_result = summary["drill"]
        lines += [
            "## Drill",
            "",
            f"- strict gate with readiness at `{drill_result['strict']['path']}`: reported failing stage "
            f"`{drill_result['strict']['reported_failing_stage']}` ({'as it must' if drill_result['strict']['ok'] else 'WRONG'})",
            f"- perf check against a baseline ten times better: {drill_result['perf']['regressions_reported']} of "
            f"{drill_result['perf']['expected']} regressions reported ({'as it must' if drill_result['perf']['ok'] else 'WRONG'})",
            "",
        ]
    return "\n".join(lines)


def write_summary(output: Path, summary: dict) -> Path:
    stamp = summary["startedAt"].replace(":", "").replace("-", "")
    directory = output / stamp
    suffix = 1
    while directory.exists():
        suffix += 1
        directory = output / f"{stamp}-{suffix}"
    directory.mkdir(parents=True)
    (directory / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (directory / "summary.md").write_text(summary_markdown(summary))
    return directory


def as_dict(run: Run) -> dict:
    return {"number": run.number, "ok": run.ok, "stages": [asdict(stage) for stage in run.stages]}
