"""deploy/k8s/, checked without a cluster: every manifest is valid against the Kubernetes API schemas
(strict: an unknown or misspelt field fails), follows the deployment policy, and deploy.sh keeps the
order setup -> migrate Job to completion -> rollout."""

import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.deploy import harness

K8S = harness.DEPLOY / "k8s"
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests target
KUBECTL = shutil.which("kubectl")


def _documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.fixture(scope="module")
def resources() -> list[dict]:
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    return [doc for name in listed for doc in _documents(K8S / name)]


def _by_kind(resources, kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def _pod_specs(resources) -> dict[str, dict]:
    return {
        r["metadata"]["name"]: r["spec"]["template"]["spec"]
        for r in resources
        if r["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}
    }


def test_every_manifest_is_valid_against_the_kubernetes_schemas():
    manifests = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    validated = 0
    for path in manifests:
        for document in _documents(path):
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
            validated += 1

    assert validated >= 15


def test_kustomization_lists_every_manifest_but_the_secret_template():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}

    assert listed == present - {"secret.template.yaml"}


def test_secret_template_holds_no_values(resources):
    (secret,) = _documents(K8S / "secret.template.yaml")

    assert set(secret["stringData"]) >= {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    assert all(value == "" for value in secret["stringData"].values())
    assert not [r for r in resources if r["kind"] == "Secret"]
    config = _by_kind(resources, "ConfigMap")["timeledger-config"]["data"]
    assert not [key for key in config if "SECRET" in key or "PASSWORD" in key or key.endswith("_URL")]


def test_every_container_has_requests_limits_and_a_locked_down_security_context(resources):
    for name, spec in _pod_specs(resources).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            where = f"{name}/{container['name']}"
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert container["image"] == "timeledger", f"{where}: the release pins the image (deploy.sh)"


def test_web_has_liveness_on_healthz_and_readiness_on_readyz(resources):
    (container,) = _pod_specs(resources)["timeledger-web"]["containers"]

    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    config = _by_kind(resources, "ConfigMap")["timeledger-config"]["data"]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        host = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}["Host"]
        # The kubelet asks by pod IP otherwise, which ALLOWED_HOSTS rejects with 400.
        assert host in config["ALLOWED_HOSTS"].split(","), probe


def test_web_runs_at_least_two_replicas_and_web_and_worker_autoscale(resources):
    autoscalers = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in _by_kind(resources, "HorizontalPodAutoscaler").values()
    }
    deployments = _by_kind(resources, "Deployment")

    assert autoscalers["timeledger-web"]["spec"]["minReplicas"] == 2
    queues = ("imports", "default", "notifications")
    assert set(autoscalers) == {"timeledger-web", *(f"timeledger-worker-{queue}" for queue in queues)}
    for name in autoscalers:
        # A `replicas` here would reset the autoscaler's choice at every deploy.
        assert "replicas" not in deployments[name]["spec"], name
    assert deployments["timeledger-web"]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_exactly_one_beat_ever(resources):
    beat = _by_kind(resources, "Deployment")["timeledger-beat"]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    commands = [" ".join(c["command"]) for spec in _pod_specs(resources).values() for c in spec["containers"]]
    assert sum(" beat " in f" {command} " for command in commands) == 1


def test_the_migrate_job_runs_the_release_step_once_without_retries(resources):
    job = _by_kind(resources, "Job")["timeledger-migrate"]
    (container,) = job["spec"]["template"]["spec"]["containers"]

    assert container["command"] == ["deploy/release.sh"]
    assert job["spec"]["backoffLimit"] == 0
    assert job["metadata"]["labels"]["timeledger.io/phase"] == "migrate"
    phases = {r["metadata"]["labels"]["timeledger.io/phase"] for r in resources if r["kind"] == "Deployment"}
    assert phases == {"rollout"}


def test_services_are_cluster_internal_and_the_data_stores_are_fenced(resources):
    services = _by_kind(resources, "Service")
    policies = _by_kind(resources, "NetworkPolicy")

    assert services and all(s["spec"]["type"] == "ClusterIP" for s in services.values())
    for store, port in (("postgresql", 5432), ("redis", 6379)):
        (policy,) = [
            p
            for p in policies.values()
            if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == store
        ]
        (rule,) = policy["spec"]["ingress"]
        assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "timeledger"}}}]
        assert rule["ports"] == [{"port": port, "protocol": "TCP"}]


def test_ingress_limits_match_the_nginx_site(resources):
    ingresses = {
        path["path"]: ingress["metadata"]["annotations"]
        for ingress in _by_kind(resources, "Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    prefix = "nginx.ingress.kubernetes.io/"

    assert ingresses["/"][prefix + "proxy-body-size"] == "2m"
    upload = ingresses["/api/attendance/import/upload"]
    assert upload[prefix + "proxy-body-size"] == "101m"
    assert upload[prefix + "proxy-request-buffering"] == "off"
    assert upload[prefix + "proxy-read-timeout"] == "300"
    assert ingresses["/api/attendance/import"][prefix + "proxy-read-timeout"] == "300"
    assert "whitelist-source-range" in " ".join(ingresses["/metrics"])


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed: cannot render with kustomize")
def test_kustomize_renders_the_set_with_a_pinned_image(tmp_path):
    rendered = subprocess.run([KUBECTL, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)

    assert rendered.returncode == 0, rendered.stderr
    documents = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    images = {
        c["image"]
        for d in documents
        if d["kind"] in {"Deployment", "Job"}
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert len(images) == 1
    (image,) = images
    assert not image.endswith(":latest") and ":" in image
    assert {d["metadata"].get("namespace") for d in documents if d["kind"] != "Namespace"} == {"timeledger"}


# --- deploy.sh ---------------------------------------------------------------------------------------
# No cluster here: kubectl is replaced by a recorder that answers like a cluster would (the Job succeeds
# or fails as the test says) and writes down every call; `kubectl kustomize` is the real one.
RECORDER = textwrap.dedent(
    """\
    #!{python}
    import os, subprocess, sys, yaml
    args = sys.argv[1:]
    log = open(os.environ["RECORD"], "a")
    if args[:1] == ["kustomize"]:
        sys.exit(subprocess.call([os.environ["REAL_KUBECTL"], *args]))
    if "apply" in args:
        selector = args[args.index("--selector") + 1]
        key, value = selector.split("=")
        docs = [d for d in yaml.safe_load_all(open(args[args.index("-f") + 1])) if d]
        kinds = sorted(d["kind"] + "/" + d["metadata"]["name"] for d in docs
                       if d["metadata"]["labels"].get(key) == value)
        images = sorted({{c["image"] for d in docs if d["metadata"]["labels"].get(key) == value
                         and "template" in d.get("spec", {{}})
                         for c in d["spec"]["template"]["spec"]["containers"]}})
        print("apply", value, *kinds, *images, file=log)
        sys.exit(0)
    if "get" in args and "job" in args:
        field = args[-1]
        outcome = os.environ["MIGRATE_OUTCOME"]
        print(("1" if outcome in field else ""), end="")
        sys.exit(0)
    print(*[a for a in args if a not in ("--namespace", os.environ.get("NS", "timeledger"))], file=log)
    sys.exit(0)
    """
)


@pytest.fixture
def recorded_deploy(tmp_path):
    if KUBECTL is None:
        pytest.skip("kubectl is not installed: deploy.sh renders with `kubectl kustomize`")
    recorder = tmp_path / "kubectl"
    recorder.write_text(RECORDER.format(python=sys.executable))
    recorder.chmod(recorder.stat().st_mode | stat.S_IEXEC)
    record = tmp_path / "calls.log"

    def run(image: str, outcome: str = "succeeded"):
        record.write_text("")
        result = subprocess.run(
            [str(K8S / "deploy.sh"), image],
            env={
                **harness.base_environment(),
                "KUBECTL": str(recorder),
                "REAL_KUBECTL": KUBECTL,
                "RECORD": str(record),
                "MIGRATE_OUTCOME": outcome,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result, record.read_text().splitlines()

    return run


def test_deploy_script_migrates_with_the_new_image_before_any_deployment_changes(recorded_deploy):
    result, calls = recorded_deploy("registry.example.com/timeledger:1.4.2")

    assert result.returncode == 0, result.stderr
    steps = [call.split()[0:2] for call in calls]
    assert (
        steps.index(["apply", "setup"]) < steps.index(["delete", "job"]) < steps.index(["apply", "migrate"])
    )
    assert steps.index(["apply", "migrate"]) < steps.index(["apply", "rollout"])
    migrate = next(c for c in calls if c.startswith("apply migrate"))
    assert migrate.split()[2:] == ["Job/timeledger-migrate", "registry.example.com/timeledger:1.4.2"]
    rollout = next(c for c in calls if c.startswith("apply rollout"))
    assert rollout.endswith("registry.example.com/timeledger:1.4.2")
    assert [c for c in calls if c.startswith("rollout status")] == [
        f"rollout status deployment/timeledger-{name} --timeout 10m"
        for name in ("web", "worker-imports", "worker-default", "worker-notifications", "beat")
    ]
    assert calls[-1] == "exec deployment/timeledger-web -- python manage.py smoke"


def test_deploy_script_stops_before_the_rollout_when_the_migration_fails(recorded_deploy):
    result, calls = recorded_deploy("registry.example.com/timeledger:1.4.3", outcome="failed")

    assert result.returncode != 0
    assert "the migrate Job failed" in result.stderr
    assert [c for c in calls if c.startswith("apply migrate")]
    assert not [c for c in calls if c.startswith(("apply rollout", "rollout"))]


@pytest.mark.parametrize(
    "image", ["registry.example.com/timeledger:latest", "registry.example.com/timeledger", ""]
)
def test_deploy_script_refuses_an_image_without_a_fixed_tag(recorded_deploy, image):
    result, calls = recorded_deploy(image)

    assert result.returncode != 0
    assert calls == []


def test_each_queue_has_its_worker_deployment_consuming_only_it_with_prefetch_one_and_metrics(resources):
    deployments = _by_kind(resources, "Deployment")
    settings_text = (harness.REPO / "config" / "settings.py").read_text()

    assert "CELERY_WORKER_PREFETCH_MULTIPLIER = 1" in settings_text
    for queue in ("imports", "default", "notifications"):
        deployment = deployments[f"timeledger-worker-{queue}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        command = container["command"]
        assert command[command.index("-Q") + 1] == queue
        assert deployment["spec"]["template"]["metadata"]["labels"]["timeledger.io/queue"] == queue
        env = {item["name"]: item["value"] for item in container["env"]}
        assert env["CELERY_WORKER_METRICS_PORT"] == "9808"
        assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")  # the writable emptyDir
    imports_pod = deployments["timeledger-worker-imports"]["spec"]["template"]["spec"]
    # A scale-in lets a running import reach its hard time limit (CELERY_IMPORT_TIME_LIMIT_SECONDS + 60).
    assert imports_pod["terminationGracePeriodSeconds"] >= 1860
    assert "timeledger-worker" not in deployments
