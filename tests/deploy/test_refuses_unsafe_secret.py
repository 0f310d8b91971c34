"""A production process given no SECRET_KEY, or a default one, refuses to start and says why: the web
server, the worker, beat and the release step alike. Nothing here needs a database: the refusal comes first."""

import subprocess
import sys

import pytest
from django.conf import settings

from tests.deploy import harness


def _environment(secret_key: str | None) -> dict:
    env = harness.base_environment()
    env.update(
        {
            "DJANGO_ENV": "production",
            "ALLOWED_HOSTS": "timeledger.example.com",
            # Never contacted: the settings refuse the key before anything connects.
            "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "GUNICORN_BIND": f"127.0.0.1:{harness.free_port()}",
        }
    )
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return env


def _command(which: str, tmp_path) -> list[str]:
    if which == "release":
        return [str(harness.DEPLOY / "release.sh")]
    return harness.unit_command(f"timeledger-{which}.service", state_dir=tmp_path)


def _run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=harness.REPO,
        env={**env, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("which", ["web", "worker", "beat", "release"])
def test_every_production_process_refuses_the_public_development_key(which, tmp_path):
    result = _run(_command(which, tmp_path), _environment(settings.DEV_SECRET_KEY))

    assert result.returncode != 0
    assert (
        "Refusing to start in production: SECRET_KEY is a known default value"
        in result.stdout + result.stderr
    )


@pytest.mark.parametrize(
    ("secret_key", "reason"),
    [
        (None, "SECRET_KEY is missing"),
        ("", "SECRET_KEY is missing"),
        ("change-me-" + "x" * 60, "SECRET_KEY is a known default value"),
        ("CHANGE-ME-" + "q7W2xZ9k" * 8, "SECRET_KEY is a known default value"),
        (" django-insecure-" + "q7W2xZ9k" * 8, "SECRET_KEY is a known default value"),
        ("short-but-random-9f8e7d", "SECRET_KEY is too short or too simple"),
        ("abcde" * 11, "SECRET_KEY is too short or too simple"),
    ],
    ids=["absent", "empty", "placeholder", "placeholder-upper", "leading-space", "short", "low-entropy"],
)
def test_web_refuses_a_missing_or_weak_key_naming_it(secret_key, reason, tmp_path):
    result = _run(_command("web", tmp_path), _environment(secret_key))

    assert result.returncode != 0
    assert reason in result.stdout + result.stderr
