"""`make test` runs the lint gate first: ruff (with the DTZ rules), formatting, the migrations check, the
import boundaries and Django's deploy checks on production settings."""

import subprocess

import pytest

from tests.foundation.conftest import ROOT
from tests.test_boundaries import LINT_IMPORTS

RUFF = LINT_IMPORTS.with_name("ruff")


def planned_commands(target: str) -> str:
    result = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_test_runs_the_lint_gate_before_pytest():
    plan = planned_commands("test")
    steps = [
        "ruff check .",
        "ruff format --check .",
        "manage.py makemigrations --check",
        "lint-imports",
        "manage.py check --deploy --fail-level WARNING",
        "-m pytest",
    ]
    positions = [plan.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("import datetime\n\nSTAMP = datetime.datetime.now()\n", "DTZ005"),
        ("import datetime\n\nTODAY = datetime.date.today()\n", "DTZ011"),
        ("import datetime\n\nWHEN = datetime.datetime(2026, 3, 1, 8, 0)\n", "DTZ001"),
    ],
)
def test_ruff_refuses_naive_datetimes_in_app_code(code, rule):
    result = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--stdin-filename", "apps/attendance/example.py", "-"],
        cwd=ROOT,
        input=code,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert rule in result.stdout


def test_ruff_accepts_aware_time():
    code = "from django.utils import timezone\n\nSTAMP = timezone.now()\n"
    result = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--stdin-filename", "apps/attendance/example.py", "-"],
        cwd=ROOT,
        input=code,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout
