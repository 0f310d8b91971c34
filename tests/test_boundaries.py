"""Apps import downward only (payroll_cycles, imports -> attendance -> audit -> access), checked by
import-linter with the contract in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_real_tree_keeps_the_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("lower_module", "higher_app"),
    [("apps/access/_upward.py", "apps.attendance"), ("apps/audit/_upward.py", "apps.payroll_cycles")],
)
def test_an_upward_import_breaks_the_contract(tmp_path, lower_module, higher_app):
    # A copy of the apps and the real contract, plus one module that imports a higher layer.
    shutil.copytree(ROOT / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / lower_module).write_text(f"import {higher_app}  # noqa: F401\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert higher_app in result.stdout
