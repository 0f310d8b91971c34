"""deploy/Dockerfile and deploy/docker-compose.yml, checked without a Docker engine: they parse, follow the
deployment policy, and the build's collectstatic step really works with the production settings."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from tests.deploy import harness

COMPOSE = harness.DEPLOY / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(str(harness.DEPLOY / "Dockerfile"))


def _instructions(dockerfile, name: str) -> list[str]:
    return [i["value"] for i in dockerfile.structure if i["instruction"] == name]


def _stages(dockerfile) -> list[list[dict]]:
    stages: list[list[dict]] = []
    for instruction in dockerfile.structure:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _pinned(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in {"", "latest"} and re.search(r"\d", tag) is not None


def test_every_yaml_file_in_deploy_parses():
    files = sorted(harness.DEPLOY.rglob("*.y*ml"))

    assert COMPOSE in files
    for path in files:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        assert documents, f"{path} is empty"


def test_image_builds_in_stages_and_runs_as_an_unprivileged_user(dockerfile):
    stages = _stages(dockerfile)
    runtime = stages[-1]
    users = [i["value"] for i in runtime if i["instruction"] == "USER"]

    assert len(stages) >= 2
    assert users, "the runtime stage must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    # The final stage installs no compilers or build tools.
    assert not [
        i for i in runtime if i["instruction"] == "RUN" and re.search(r"apt-get|pip install", i["value"])
    ]


def test_base_image_is_pinned_and_dependencies_honour_constraints(dockerfile):
    args = dict(a.split("=", 1) for a in _instructions(dockerfile, "ARG") if "=" in a)

    assert _pinned(args["PYTHON_IMAGE"])
    installs = [run for run in _instructions(dockerfile, "RUN") if "pip install" in run]
    assert installs
    assert all("-c constraints.txt" in run for run in installs)


def test_no_secret_is_baked_into_the_image(dockerfile):
    declared = " ".join(_instructions(dockerfile, "ENV") + _instructions(dockerfile, "ARG"))

    assert not re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL", declared, re.IGNORECASE)
    # The build-time key for collectstatic is generated inside its RUN and never written down.
    collect = next(run for run in _instructions(dockerfile, "RUN") if "collectstatic" in run)
    assert 'SECRET_KEY="$(python -c' in collect
    text = (harness.DEPLOY / "Dockerfile.dockerignore").read_text()
    ignore = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert ignore[0] == "**", "the build context is an allowlist"
    assert not [
        line for line in ignore if line.startswith("!") and re.search(r"\.env$|\.venv|var|\.git", line)
    ]


def test_image_checks_its_own_health_on_healthz(dockerfile):
    (check,) = _instructions(dockerfile, "HEALTHCHECK")

    assert "http://127.0.0.1:8000/healthz" in check
    assert "--timeout=" in check


def test_the_builds_collectstatic_step_works_with_the_production_settings(dockerfile, tmp_path):
    """Replays the build stage's COPYs of the source and its collectstatic RUN, outside Docker: a new
    required production setting that the build does not provide fails here, not in the pipeline."""
    build = _stages(dockerfile)[0]
    for instruction in build:
        if instruction["instruction"] == "COPY" and "--from" not in instruction["value"]:
            *sources, target = shlex.split(instruction["value"])
            for source in sources:
                origin = harness.REPO / source
                destination = tmp_path / target if target not in {".", "./"} else tmp_path
                if origin.is_dir():
                    shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy(origin, destination / origin.name)
    collect = next(i["value"] for i in build if i["instruction"] == "RUN" and "collectstatic" in i["value"])
    command = collect.split("&&")[0]

    result = subprocess.run(
        ["sh", "-c", command],
        cwd=tmp_path,
        env={**harness.base_environment(), "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    manifest = tmp_path / "var" / "static" / "staticfiles.json"
    assert manifest.exists()
    assert "css/app.css" in manifest.read_text()


def test_only_nginx_publishes_ports_and_the_data_stores_are_internal(compose):
    services, networks = compose["services"], compose["networks"]

    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    for store in ("postgres", "redis"):
        assert "ports" not in services[store] and "expose" not in services[store]
        assert all(networks[net].get("internal") is True for net in services[store]["networks"])


def test_every_image_is_pinned(compose):
    for name, service in compose["services"].items():
        image = service.get("image", "")
        assert _pinned(re.sub(r"\$\{[A-Z_]+:-([^}]+)\}", r"\1", image)), f"{name}: {image!r}"


def test_web_worker_and_beat_start_only_after_the_migrate_step_succeeded(compose):
    services = compose["services"]

    assert services["migrate"]["command"] == ["deploy/release.sh"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_exactly_one_beat(compose):
    beat = compose["services"]["beat"]

    assert beat["deploy"]["replicas"] == 1
    assert [name for name, s in compose["services"].items() if "beat" in " ".join(s.get("command", []))] == [
        "beat"
    ]


def test_secrets_come_from_env_files_and_have_no_defaults(compose):
    text = COMPOSE.read_text()

    assert "SECRET_KEY" not in text
    assert not re.search(r"PASSWORD\s*[:=]", text)
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] == [{"path": "./timeledger.env", "required": True}]
        assert "SECRET_KEY" not in service.get("environment", {})
    for example in ("timeledger.env.example", "postgres.env.example"):
        values = dict(
            line.split("=", 1)
            for line in (harness.DEPLOY / example).read_text().splitlines()
            if line and not line.startswith("#")
        )
        for key, value in values.items():
            if re.search(r"SECRET|PASSWORD", key):
                assert value == "", f"{example}: {key} must be left empty"
    assert {"/timeledger.env", "/postgres.env"} <= set((harness.DEPLOY / ".gitignore").read_text().split())


def test_app_containers_run_read_only_without_privileges(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]


def test_compose_mounts_the_same_nginx_files_the_tests_run(compose):
    mounts = compose["services"]["nginx"]["volumes"]
    sources = {m.split(":")[0] for m in mounts if m.startswith("./")}

    for source in sources - {"./certs"}:
        assert (harness.DEPLOY / Path(source)).is_file(), source
    assert "static:/srv/timeledger/current/var/static:ro" in mounts
