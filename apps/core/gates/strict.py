"""The strict gate: the stages a user and an importer walk through (health, readiness, sign-in, records, a
clock-in and its replay, an import committed, exported and rolled back, the audit export), one run after
another; after a failed stage the rest of its run is skipped."""

from __future__ import annotations

import csv
import io
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from apps.core.gates.client import PATHS, Client, GateFailure, expect

GATE_DAY = date(2000, 1, 3)  # the strict gate's import: three days from here (a Monday)
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


def as_dict(run: Run) -> dict:
    return {"number": run.number, "ok": run.ok, "stages": [asdict(stage) for stage in run.stages]}


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
