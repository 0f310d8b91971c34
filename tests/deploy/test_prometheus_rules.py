"""deploy/prometheus/: the rules load (`promtool check rules`), every alert has a unit test that makes it
fire (`promtool test rules`), and the dashboard names only what exists."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy import harness

PROMETHEUS_DIR = harness.DEPLOY / "prometheus"
RULES = PROMETHEUS_DIR / "timeledger.rules.yml"
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.test.yml"))
DASHBOARD = harness.DEPLOY / "grafana" / "timeledger.json"
PROMTOOL = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)


def alert_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


@pytest.fixture(scope="module")
def promtool() -> str:
    if PROMTOOL is None:
        pytest.skip("promtool is not installed (apt-get install -y prometheus; .ci/run does)")
    return PROMTOOL


def test_the_rules_load(promtool):
    result = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_in_which_it_fires():
    fired = {
        case["alertname"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }

    assert alert_names() <= fired, f"alerts without a firing test: {sorted(alert_names() - fired)}"
    assert {
        "TimeLedgerHigh5xxRate", "TimeLedgerSlowRoutes", "TimeLedgerNotReady", "TimeLedgerQueueBacklog",
        "TimeLedgerQueueStuck", "TimeLedgerImportFailures", "TimeLedgerDeadLetters",
        "TimeLedgerAuditChainBroken", "TimeLedgerRetentionStale", "TimeLedgerDatabaseConnectionsHigh",
    } <= alert_names()  # fmt: skip


def test_the_alert_unit_tests_pass(promtool):
    result = subprocess.run(
        [promtool, "test", "rules", *[str(p) for p in RULE_TESTS]],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROMETHEUS_DIR,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dashboard_has_a_query_for_each_area():
    dashboard = json.loads(DASHBOARD.read_text())
    queries = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", []))

    for metric in (
        "route_group:django_http_request_latency_seconds:p95_5m", "timeledger:http_5xx:ratio_rate5m",
        "timeledger_ready", "timeledger_celery_queue_length", "timeledger_celery_queue_oldest_task_age_seconds",
        "timeledger_punches_total", "timeledger_requests_decided_total", "timeledger_import_rows_total",
        "timeledger_import_phase_seconds_bucket", "timeledger_jobs_total", "timeledger_deliveries_total",
        "timeledger_dead_letters_total", "timeledger_audit_chain_ok", "timeledger_retention_last_success",
        "timeledger_database_connections",
    ):  # fmt: skip
        assert metric in queries, metric
    assert dashboard["uid"] == "timeledger"
