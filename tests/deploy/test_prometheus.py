"""A real Prometheus (Debian's `prometheus`) on loopback scraping a running TimeLedger: gunicorn's /metrics and
a Celery worker's metrics port, with the real rules (deploy/prometheus/timeledger.rules.yml) and the real scrape
configuration (deploy/prometheus/prometheus.yml, its targets and intervals adapted). Every recording rule, every
alert expression and every query of deploy/grafana/timeledger.json is evaluated through Prometheus' HTTP API
(/api/v1/query): none may error, and each one whose metric exists on a running installation must return series.

PostgreSQL and Redis only (skipped otherwise), like the other process tests."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from apps.access import roles
from apps.access.services import token_create
from tests.deploy import harness, processes

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.xdist_group("deploy_processes"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PROMETHEUS = shutil.which("prometheus") or (
    "/usr/bin/prometheus" if Path("/usr/bin/prometheus").exists() else None
)
RULES = harness.DEPLOY / "prometheus" / "timeledger.rules.yml"
SCRAPE_CONFIG = harness.DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = harness.DEPLOY / "grafana" / "timeledger.json"

# What each alert is about, as a query that must return series on a running installation: an alert's own
# expression is normally empty (nothing fires), so this is the metric under its threshold. A new alert
# needs its line here (test_every_alert_has_a_series_query).
ALERT_SERIES = {
    "TimeLedgerDown": 'up{job="timeledger-web"}',
    "TimeLedgerWorkerDown": 'up{job="timeledger-worker"}',
    "TimeLedgerHigh5xxRate": "timeledger:http_5xx:ratio_rate5m and timeledger:http_requests:rate5m",
    "TimeLedgerSlowRoutes": "route_group:django_http_request_latency_seconds:p95_5m",
    "TimeLedgerNotReady": "min by (instance, check) (timeledger_ready)",
    "TimeLedgerQueueBacklog": "queue:timeledger_celery_queue_length:max",
    "TimeLedgerQueueStuck": "queue:timeledger_celery_queue_oldest_task_age_seconds:max",
    "TimeLedgerImportFailures": 'sum(increase(timeledger_jobs_total{kind="import_commit"}[1h]))',
    # Exception: a task's failure series appears at its first failure (task names are not known up front),
    # so the alert's own `state="failure"` selector is empty here; the counter it reads must exist.
    "TimeLedgerTaskFailures": "sum by (task) (increase(timeledger_celery_tasks_total[15m]))",
    "TimeLedgerDeadLetters": "sum by (channel) (increase(timeledger_dead_letters_total[15m]))",
    "TimeLedgerAuditChainBroken": "min(timeledger_audit_chain_ok)",
    "TimeLedgerAuditCheckStale": "time() - max(timeledger_audit_chain_last_check_timestamp_seconds)",
    "TimeLedgerRetentionStale": "time() - max(timeledger_retention_last_success_timestamp_seconds)",
    "TimeLedgerDatabaseConnectionsHigh": "timeledger:database_connections:ratio",
    "AuditSealerBehind": "max(timeledger_audit_unsealed_oldest_seconds)",
}
# On a healthy stack these alerts' expressions must be empty (they would page someone).
QUIET_ALERTS = {"TimeLedgerDown", "TimeLedgerWorkerDown", "TimeLedgerNotReady", "TimeLedgerAuditChainBroken"}
# Dashboard queries that may be empty on a running installation: none today. (Name a query here with the
# reason if one ever needs it, e.g. a metric that appears only after an incident.)
DASHBOARD_MAY_BE_EMPTY: set[str] = set()


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [(panel["title"], target["expr"]) for panel in panels for target in panel.get("targets", [])]


def test_every_alert_has_a_series_query():
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}

    assert alerts == set(ALERT_SERIES), alerts ^ set(ALERT_SERIES)
    assert alerts >= QUIET_ALERTS


class Prometheus:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, **params) -> dict:
        url = f"{self.base}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # a bad query answers 400 with the reason in the body
            return json.loads(error.read())

    def query(self, expr: str) -> dict:
        return self.get("/api/v1/query", query=expr)


@pytest.fixture
def running_stack(make_member, tmp_path):
    """gunicorn (2 workers) and a worker with its metrics port, some traffic through both (a punch, an async
    import the worker runs, the daily audit verification and retention run), then Prometheus scraping them
    every second with the real rules evaluated every second."""
    processes.require_services()
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (apt-get install -y prometheus; .ci/run does)")
    member = make_member("ops", roles.IMPORTER, roles.ADMIN, roles.EMPLOYEE, employee_no="OPS-1")
    token = token_create(user=member.user, organization=member.organization, name="prometheus test").raw
    logs = tmp_path / "logs"
    logs.mkdir()
    env = processes.app_environment(tmp_path)
    services: list[harness.Service] = []
    try:
        web, web_port = processes.start_gunicorn("web", env, logs, workers=2)
        services.append(web)
        worker_port = harness.free_port()
        worker = processes.start_worker("worker", env, logs, metrics_port=worker_port)
        services.append(worker)
        processes.wait_web(web, web_port)
        processes.wait_worker(worker)

        # Traffic, so that the counters and histograms the rules read have moved.
        status, _, body = processes.request(
            web_port, "POST", "/api/attendance/punches", token=token, body={"kind": "in"},
            headers={"Idempotency-Key": "prometheus-punch"},
        )  # fmt: skip
        assert status == 201, body
        csv = "日期,工号,上班1打卡时间,下班1打卡时间\n2000-01-03,OPS-1,09:00,18:00\n"
        status, _, body = processes.request(
            web_port, "POST", "/api/attendance/import/upload?filename=p.csv", token=token, body=csv.encode(),
            headers={"Content-Type": "text/csv"},
        )  # fmt: skip
        assert status == 201, body
        upload = json.loads(body)["id"]
        commit_token = json.loads(
            processes.request(
                web_port, "POST", "/api/attendance/import/prepare", token=token, body={"uploadId": upload}
            )[2]
        )["commitToken"]
        status, _, body = processes.request(
            web_port, "POST", "/api/attendance/import/commit", token=token,
            body={"commitToken": commit_token, "idempotencyKey": "prometheus-import", "async": True},
        )  # fmt: skip
        assert status == 202, body
        job = json.loads(body)["job"]["id"]
        harness.wait_for(
            lambda: json.loads(
                processes.request(web_port, "GET", f"/api/attendance/import/jobs/{job}", token=token)[2]
            )["status"] == "completed",
            timeout=60, what="the worker to complete the import job",
        )  # fmt: skip
        # The daily audit-chain verification and retention run, as beat sends them, done by the worker.
        for task in ("audit.chain_verify", "audit.retention"):
            processes.run_task(env, task, queue="default")

        # Prometheus with the real scrape configuration: the same jobs, loopback targets, 1 s intervals.
        config = yaml.safe_load(SCRAPE_CONFIG.read_text())
        config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
        config["rule_files"] = [str(RULES)]
        targets = {"timeledger-web": f"127.0.0.1:{web_port}", "timeledger-worker": f"127.0.0.1:{worker_port}"}
        assert {job["job_name"] for job in config["scrape_configs"]} == set(targets)
        for job_config in config["scrape_configs"]:
            job_config["static_configs"] = [{"targets": [targets[job_config["job_name"]]]}]
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = harness.free_port()
        prometheus = harness.start(
            "prometheus",
            [
                PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            env=harness.base_environment(), logs=logs,
        )  # fmt: skip
        services.append(prometheus)
        api = Prometheus(port)

        def targets_up():
            prometheus.assert_alive()
            active = api.get("/api/v1/targets")["data"]["activeTargets"]
            return len(active) == 2 and all(t["health"] == "up" for t in active) and active

        try:
            harness.wait_for(targets_up, timeout=30, interval=0.25, what="both targets to be up")
        except AssertionError:
            raise AssertionError(json.dumps(api.get("/api/v1/targets"), indent=1)[-3000:]) from None
        yield api, services
    finally:
        for service in reversed(services):
            service.stop()


def _series(api: Prometheus, expr: str) -> list:
    answer = api.query(expr)
    assert answer.get("status") == "success", f"{expr}: {answer}"
    return answer["data"]["result"]


def test_every_rule_alert_and_dashboard_query_evaluates_with_series(running_stack):
    api, services = running_stack

    # The rules loaded, and each was evaluated without error (after enough scrapes for rate() to see two).
    def rules_evaluated():
        groups = api.get("/api/v1/rules")["data"]["groups"]
        loaded = [rule for group in groups for rule in group["rules"]]
        assert len(loaded) == len(rules()), "Prometheus did not load every rule"
        bad = [(r["name"], r.get("lastError")) for r in loaded if r["health"] == "err"]
        assert not bad, bad
        return all(r["health"] == "ok" for r in loaded)

    harness.wait_for(rules_evaluated, timeout=30, interval=0.25, what="every rule to be evaluated")

    queries = [(f"record {r['record']}", r["record"]) for r in rules() if "record" in r]
    queries += [(f"series of alert {name}", expr) for name, expr in ALERT_SERIES.items()]
    queries += [
        (f"dashboard {title!r}", expr)
        for title, expr in dashboard_queries()
        if expr not in DASHBOARD_MAY_BE_EMPTY
    ]

    # Every alert's own expression and every dashboard query must be valid PromQL against this server.
    for rule in rules():
        if "alert" in rule:
            found = _series(api, rule["expr"])
            if rule["alert"] in QUIET_ALERTS:
                assert found == [], f"{rule['alert']} fires on a healthy stack: {found}"
    for _, expr in dashboard_queries():
        _series(api, expr)

    # Series: rate() over a 5m window needs two scrapes of the counters moved above; poll until each query
    # has them, and name the ones that never do.
    empty: list[str] = []

    def all_have_series():
        empty[:] = [name for name, expr in queries if not _series(api, expr)]
        for service in services:
            service.assert_alive()
        return not empty

    try:
        harness.wait_for(all_have_series, timeout=30, interval=0.5, what="series for every query")
    except AssertionError:
        raise AssertionError(f"no series for: {empty}") from None

    # The worker's own endpoint carries the task it ran (its metrics reach Prometheus).
    tasks = _series(api, 'timeledger_celery_tasks_total{job="timeledger-worker", state="success"}')
    assert any(s["metric"]["task"] == "imports.job_run" and float(s["value"][1]) >= 1 for s in tasks), tasks
    punches = _series(api, 'sum(timeledger_punches_total{job="timeledger-web", kind="in"})')
    assert float(punches[0]["value"][1]) == 1
