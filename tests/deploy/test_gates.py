"""`manage.py gates` against a live server over HTTP: the strict gate passes (twice), a failing stage is named
and makes the command fail, the drill proves that, a 503 on the commit is retried with the same
Idempotency-Key (through a tiny proxy that refuses the first commit), and the perf gate writes its baseline on
the first run and fails on a regression against it."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

from apps.access import roles
from apps.access.services import token_create
from apps.attendance.models import DailyRecord, Punch
from apps.imports.models import ImportBatch

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def gate_token(make_member):
    member = make_member("gate", roles.IMPORTER, roles.ADMIN, employee_no="GATE-1")
    return token_create(user=member.user, organization=member.organization, name="gates").raw


def run_gates(base_url: str, token: str, output: Path, *extra: str) -> tuple[dict, str, CommandError | None]:
    from io import StringIO

    out = StringIO()
    error = None
    try:
        call_command(
            "gates", "--base-url", base_url, "--token", token, "--output", str(output), *extra, stdout=out
        )
    except CommandError as raised:
        error = raised
    (directory,) = [d for d in output.iterdir() if d.is_dir()]
    summary = json.loads((directory / "summary.json").read_text())
    assert (directory / "summary.md").read_text().startswith("# Gates ")
    return summary, out.getvalue(), error


def test_the_strict_gate_passes_twice_and_leaves_no_records(live_server, gate_token, tmp_path):
    summary, out, error = run_gates(
        live_server.url, gate_token, tmp_path / "gates", "--twice", "--perf-rows", "0"
    )

    assert error is None, out
    assert summary["ok"] is True and summary["failed"] == []
    assert [run["number"] for run in summary["runs"]] == [1, 2]
    for run in summary["runs"]:
        assert [stage["name"] for stage in run["stages"]] == [
            "health", "readiness", "login", "records", "clock_in", "import", "export", "rollback", "audit_export",
        ]  # fmt: skip
        assert all(stage["ok"] for stage in run["stages"])
    # Two runs, two batches, both rolled back; one punch per run (the replay made none).
    assert list(ImportBatch.objects.values_list("status", flat=True)) == ["rolled_back", "rolled_back"]
    assert DailyRecord.objects.filter(work_date__year=2000).count() == 0
    assert Punch.objects.count() == 2
    assert "Gates passed." in out


def test_a_failing_stage_is_named_and_fails_the_command(live_server, make_member, tmp_path):
    # An employee's token: the import stage is refused (403), so the gate must stop there.
    member = make_member("plain", roles.EMPLOYEE)
    token = token_create(user=member.user, organization=member.organization).raw

    summary, out, error = run_gates(live_server.url, token, tmp_path / "gates", "--perf-rows", "0")

    assert error is not None and "strict run 1: import" in str(error)
    assert summary["ok"] is False
    stages = summary["runs"][0]["stages"]
    assert [s["name"] for s in stages][-1] == "import" and stages[-1]["ok"] is False
    assert "403" in stages[-1]["detail"]
    assert "FAILED" in out


def test_a_bad_token_fails_at_login(live_server, tmp_path):
    summary, _, error = run_gates(live_server.url, "tl_not-a-token", tmp_path / "gates", "--perf-rows", "0")

    assert error is not None and "login" in str(error)
    assert summary["runs"][0]["stages"][-1]["name"] == "login"


def test_the_drill_proves_a_failing_gate_is_reported(live_server, gate_token, tmp_path):
    summary, out, error = run_gates(
        live_server.url, gate_token, tmp_path / "gates", "--perf-rows", "0", "--drill"
    )

    assert error is None, out
    assert summary["drill"]["ok"] is True
    assert summary["drill"]["strict"]["reported_failing_stage"] == "readiness"
    assert "404" in summary["drill"]["strict"]["detail"]
    assert summary["drill"]["perf"]["regressions_reported"] == summary["drill"]["perf"]["expected"] > 0


class FlakyProxy:
    """Forwards to the live server, but answers 503 (with Retry-After: 0) to the first `fail` commits, and
    writes down the Idempotency-Key of every commit it saw."""

    def __init__(self, upstream: str, fail: int = 1):
        self.upstream = urlsplit(upstream)
        self.fail = fail
        self.commit_keys: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/api/attendance/import/commit"):
                    proxy.commit_keys.append(self.headers.get("Idempotency-Key"))
                    if len(proxy.commit_keys) <= proxy.fail:
                        self.send_response(503)
                        self.send_header("Retry-After", "0")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                connection = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = do_POST = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_503_on_the_commit_is_retried_with_the_same_key(live_server, gate_token, tmp_path):
    with FlakyProxy(live_server.url, fail=2) as proxy:
        summary, out, error = run_gates(proxy.url, gate_token, tmp_path / "gates", "--perf-rows", "0")

    assert error is None, out
    assert len(proxy.commit_keys) == 3 and len(set(proxy.commit_keys)) == 1
    import_stage = next(s for s in summary["runs"][0]["stages"] if s["name"] == "import")
    assert "3 commit attempt(s), one key" in import_stage["detail"]
    assert ImportBatch.objects.count() == 1


def test_a_503_that_persists_fails_the_gate_at_that_stage(live_server, gate_token, tmp_path):
    with FlakyProxy(live_server.url, fail=100) as proxy:
        summary, _, error = run_gates(
            proxy.url, gate_token, tmp_path / "gates", "--perf-rows", "0", "--retries", "2"
        )

    assert error is not None and "strict run 1: import" in str(error)
    assert "503" in summary["runs"][0]["stages"][-1]["detail"]
    assert len(proxy.commit_keys) == 3
    assert ImportBatch.objects.count() == 0


def test_the_perf_gate_writes_its_baseline_then_fails_on_a_regression(live_server, gate_token, tmp_path):
    baseline = tmp_path / "baseline.json"
    loose = ["--perf-rows", "50", "--perf-samples", "5", "--baseline", str(baseline),
             "--max-api-p95-ms", "5000", "--max-health-p95-ms", "5000", "--min-import-rows-per-second", "1"]  # fmt: skip

    first, out, error = run_gates(live_server.url, gate_token, tmp_path / "gates", *loose)

    assert error is None, out
    assert first["perf"]["baseline"] is None and "written to" in first["perf"]["baselineNote"]
    recorded = json.loads(baseline.read_text())
    assert recorded["rows"] == 50 and recorded["api_p95_ms"] > 0 and recorded["import_rows_per_second"] > 0

    # A baseline from a much faster day: today's figures are a regression, and the gate says which.
    baseline.write_text(json.dumps({**recorded, "api_p95_ms": 0.01, "import_rows_per_second": 10**9}))
    second, _, error = run_gates(live_server.url, gate_token, tmp_path / "gates-2", *loose)

    assert error is not None and str(error).startswith("Gates failed: perf:")
    problems = second["perf"]["problems"]
    assert any(p.startswith("api_p95_ms") and "regressed" in p for p in problems)
    assert any(p.startswith("import_rows_per_second") and "regressed" in p for p in problems)
    assert json.loads(baseline.read_text())["api_p95_ms"] == 0.01  # a failing run does not overwrite it


def test_a_threshold_crossed_fails_the_perf_gate(live_server, gate_token, tmp_path):
    summary, _, error = run_gates(
        live_server.url, gate_token, tmp_path / "gates",
        "--perf-rows", "20", "--perf-samples", "3", "--baseline", str(tmp_path / "b.json"), "--max-api-p95-ms", "0.001",
    )  # fmt: skip

    assert error is not None
    assert any("api_p95_ms" in p and "above the threshold 0.001" in p for p in summary["perf"]["problems"])
    assert not (tmp_path / "b.json").exists()


def test_no_token_is_refused_with_a_code(tmp_path, monkeypatch):
    monkeypatch.delenv("GATES_TOKEN", raising=False)
    with pytest.raises(CommandError, match="GATES_TOKEN_MISSING"):
        call_command("gates", "--base-url", "http://127.0.0.1:9", "--output", str(tmp_path))
