"""Boundaries by tool: import-linter (contracts in pyproject.toml) keeps the layers
(config on top; payroll_cycles, imports, frontend -> attendance -> audit -> access -> core) and keeps every app
out of the other apps' private modules (views, api, management commands, Admin Center modules, *_common
helpers). Each kind of violation is planted in a copy of the tree and must break the lint."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
APPS = ["access", "audit", "attendance", "imports", "payroll_cycles", "core"]
PRIVATE_PACKAGES = ("views", "api", "management", "admin_pages")
# Public on purpose: the Admin Center shell is the registry every app adds its sections to.
PUBLIC = {"apps.access.admin_center"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def private_modules(app: str) -> list[str]:
    """An app's modules no other app may import: its pages, API, commands, Admin Center modules and
    *_common helpers. Access's API permission classes (ignored in each contract) and the Admin Center shell
    (PUBLIC) are public: every app's API and Admin Center sections use them."""
    found = []
    for path in sorted((ROOT / "apps" / app).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        inside = parts[2:]
        if not inside:
            continue
        top_level_private = len(inside) == 1 and (
            inside[0] in PRIVATE_PACKAGES or inside[0].startswith("admin_center")
        )
        common_helper = inside[-1].endswith("_common") and inside[0] not in PRIVATE_PACKAGES
        name = ".".join(parts)
        if (top_level_private or common_helper) and name not in PUBLIC:
            found.append(name)
    return found


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_real_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.mark.parametrize("source", [f"apps.{app}" for app in APPS] + ["frontend"])
def test_every_private_module_of_the_other_apps_is_forbidden(source):
    forbidden = next(
        set(c["forbidden_modules"])
        for c in contracts()
        if c["type"] == "forbidden" and c["source_modules"] == [source]
    )
    expected = {m for app in APPS if f"apps.{app}" != source for m in private_modules(app)}
    missing = sorted(expected - forbidden)
    assert not missing, f"add to the forbidden_modules of the {source} contract: {missing}"


def _tree_copy(tmp_path: Path) -> Path:
    for package in ("apps", "config", "frontend"):
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "locale", "node_modules"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("planted_module", "imported"),
    [
        ("apps/access/_upward.py", "apps.attendance"),  # a lower layer importing a higher one
        ("apps/audit/_upward.py", "apps.payroll_cycles"),
        ("apps/core/_upward.py", "apps.access"),
        ("apps/attendance/_upward.py", "config.urls"),
        ("apps/imports/_sideways.py", "apps.attendance.views"),  # another app's pages
        ("apps/attendance/_sideways.py", "apps.audit.api.serializers"),  # another app's API
        ("apps/imports/_sideways_common.py", "apps.attendance.services._common"),  # a private helper
        ("apps/payroll_cycles/_sideways.py", "apps.attendance.management.commands"),  # commands
        ("apps/imports/_sideways_center.py", "apps.attendance.admin_center.urls"),  # Admin Center
        ("apps/attendance/_sideways_pages.py", "apps.access.admin_pages.users"),  # Admin Center pages
        ("frontend/_writes.py", "apps.audit.services"),  # the front end writing audit rows itself
    ],
)
def test_a_planted_violation_breaks_the_lint(tmp_path, planted_module, imported):
    tree = _tree_copy(tmp_path)
    if (
        not (tree / imported.replace(".", "/")).exists()
        and not (tree / (imported.replace(".", "/") + ".py")).exists()
    ):
        pytest.fail(f"{imported} no longer exists: plant a violation against a module that does")
    (tree / planted_module).write_text(f"import {imported}  # noqa: F401\n")

    result = lint_imports(tree)

    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert imported in result.stdout
