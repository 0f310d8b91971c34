"""Every environment variable the settings read is documented in docs/configuration.md and .env.example,
and the example is a configuration production accepts."""

import ast
import re
import secrets

from tests.foundation.conftest import ROOT, production_env, run_python

SETTINGS = ROOT / "config" / "settings.py"
SET_BY_TOOLS = {"PYTEST_XDIST_WORKER"}  # set by pytest-xdist, described in the docs but not configured


def variables_read_by_settings() -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def example_entries() -> dict[str, str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))


def test_the_scan_sees_the_core_variables():
    assert {"DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "TIME_ZONE"} <= (
        variables_read_by_settings()
    )


def test_every_variable_is_documented_in_configuration_md():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
    missing = sorted(variables_read_by_settings() - documented)
    assert not missing, f"add these to docs/configuration.md: {missing}"


def test_every_variable_is_listed_in_env_example():
    missing = sorted(variables_read_by_settings() - SET_BY_TOOLS - set(example_entries()))
    assert not missing, f"add these to .env.example: {missing}"


def test_env_example_with_a_real_secret_passes_the_production_deploy_checks():
    values = {name: value for name, value in example_entries().items() if value}
    env = production_env(**values) | {"SECRET_KEY": secrets.token_urlsafe(64)}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
