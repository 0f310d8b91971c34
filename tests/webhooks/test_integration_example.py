"""docs/integrations.md holds true: its example script runs against a live server (a token from `manage.py
tokens create`, an idempotent punch and its retry, the records page by page, a report, a webhook whose
signature it verifies), and its Python and shell signature checks accept what the server signs and refuse a
tampered body or an old timestamp."""

import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from apps.attendance import services
from apps.attendance.models import Punch
from apps.audit.models import WebhookEndpoint
from apps.audit.webhooks.signing import signature

ROOT = Path(settings.BASE_DIR)
EXAMPLE = ROOT / "docs" / "examples" / "integration_example.py"
GUIDE = ROOT / "docs" / "integrations.md"


def load_example():
    import importlib.util

    spec = importlib.util.spec_from_file_location("integration_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_example_script_runs_against_a_live_server(admin, live_server):
    organization = admin.organization
    today = timezone.localdate(timezone.now(), organization.tzinfo)
    days = [today.replace(day=1) + timedelta(days=n) for n in range(today.day)]
    services.records_recompute(organization=organization, member_ids=[admin.pk], dates=days)
    out = io.StringIO()
    call_command("tokens", "create", "--user", admin.user.username, "--org", organization.slug, stdout=out)
    token = out.getvalue().strip()

    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--base-url", live_server.url, "--token", token, "--webhook",
         "--page-size", "2"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {line["step"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert steps["me"] == {"step": "me", "username": "boss", "organization": "acme"}
    assert steps["error"]["status"] == 400 and steps["error"]["code"] == "VALIDATION_ERROR"
    assert "from" in steps["error"]["details"]["fields"]
    assert steps["punch"]["status"] == 201 and steps["punch"]["replayed"] is False
    assert steps["punch_retry"] == {**steps["punch"], "step": "punch_retry", "replayed": True}
    assert Punch.objects.count() == 1
    assert steps["records"]["count"] == len(days)
    assert steps["records"]["pages"] == math.ceil(len(days) / 2)
    assert steps["records"]["dates"] == [day.isoformat() for day in days]
    assert steps["leave_summary"]["year"] == today.year
    webhook = steps["webhook"]
    assert webhook["received"] and webhook["verified"] and webhook["type"] == "punch.created"
    assert webhook["punch"] == steps["punch"]["id"]
    assert not WebhookEndpoint.objects.exists()  # the script removed its endpoint (and its deliveries) again


def signed(body: bytes, *, age: int = 0) -> tuple[str, bytes]:
    return signature(secret="whsec_test", timestamp=int(time.time()) - age, body=body), body


BODY = b'{"id":"e1","type":"punch.created","data":{"punchId":1}}'
# Signed when the test runs, not when the module is collected: a long suite would age "as sent" past the
# five minutes the check allows.
CASES = {
    "as sent": (lambda: signed(BODY), True),
    "body changed": (lambda: (signed(BODY)[0], BODY.replace(b"1}", b"2}")), False),
    "ten minutes old": (lambda: signed(BODY, age=600), False),
    "another secret": (
        lambda: (signature(secret="whsec_other", timestamp=int(time.time()), body=BODY), BODY),
        False,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_python_check_of_the_guide(case):
    sign, valid = CASES[case]
    header, body = sign()
    assert load_example().signature_valid("whsec_test", header, body) is valid
    # The guide's own snippet is the example's function.
    snippet = re.search(r"```python\nimport hashlib, hmac, time\n(.*?)```", GUIDE.read_text(), re.S).group(1)
    namespace: dict = {}
    exec("import hashlib, hmac, time\n" + snippet, namespace)  # noqa: S102 - the documented code itself
    assert namespace["signature_valid"]("whsec_test", header, body) is valid


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
@pytest.mark.parametrize("case", CASES)
def test_the_shell_check_of_the_guide(case, tmp_path):
    sign, valid = CASES[case]
    header, body = sign()
    script = re.search(r"<!-- verify-sh -->\n```sh\n(.*?)```\n<!-- /verify-sh -->", GUIDE.read_text(), re.S)
    (tmp_path / "body.json").write_bytes(body)
    result = subprocess.run(
        ["sh", "-c", script.group(1)],
        cwd=tmp_path, env={**os.environ, "SECRET": "whsec_test", "SIG": header},
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == ("valid" if valid else "invalid"), result.stderr
