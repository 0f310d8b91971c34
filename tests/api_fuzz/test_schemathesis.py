"""schemathesis over the whole OpenAPI schema, against the live server, as an admin and as an employee, in
all four phases: examples, coverage (the boundary and invalid values of every parameter and body field),
fuzzing and stateful (chains of calls through the schema's links).

Each role's run is split in two test items, the coverage phase apart from the other three, so that the two
workers of `make test` run them side by side: the coverage phase alone is about 5,700 requests per role
(2-7 minutes on this 2-core machine, depending on its load). A fixed seed and a bounded number of examples
keep a run repeatable and within CI's budget. It must find no server error, no response that violates the
schema and no status code the schema does not declare. On a failure the schemathesis report is in the
assertion.
"""

import re
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from apps.access import roles
from apps.access.services import token_create
from apps.attendance import services as attendance

ST = Path(sys.executable).with_name("st")
SEED = 20261201
MAX_EXAMPLES = 3
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
CONFIG = """
[phases.coverage]
# Methods a path does not declare answer 405 everywhere (one test in tests/foundation says so); skipping
# them here keeps the run within CI's budget.
unexpected-methods = []

[phases.stateful]
max-steps = 4
"""


# What an employee is refused (403) before any of the request is read, whatever its input: the coverage
# phase would send thousands of boundary values only to read 403 each time (about half the employee's
# coverage run). Their coverage is the admin's run; the employee still runs examples, fuzzing and stateful on
# them, and test_employee_is_refused_what_the_coverage_run_leaves_out keeps this list true.
EMPLOYEE_REFUSED = (
    "GET /api/attendance-admin/audit-logs",
    "GET /api/attendance-admin/audit-logs/summary",
    "GET /api/attendance-admin/roles",
    "GET /api/attendance-admin/settings/ip-allowlist",
    "GET /api/attendance-admin/settings/retention",
    "GET /api/attendance-admin/users",
    "GET /api/attendance-admin/webhooks",
    "GET /api/attendance-admin/webhooks/event-types",
    "GET /api/attendance/import/batches",
    "GET /api/attendance/import/batches/{batch_id}/items",
    "PATCH /api/attendance-admin/users/{user_id}",
    "PATCH /api/attendance-admin/webhooks/{webhook_id}",
    "POST /api/attendance-admin/roles/batch-assign",
    "POST /api/attendance-admin/roles/batch-unassign",
    "POST /api/attendance-admin/users",
    "POST /api/attendance-admin/webhooks",
    "POST /api/attendance/import/commit",
    "POST /api/attendance/import/prepare",
    "POST /api/attendance/import/preview",
    "POST /api/attendance/import/upload",
    "POST /api/attendance/leave-balances/adjustments",
    "POST /api/attendance/overtime-rules",
    "POST /api/attendance/payroll-cycles",
    "POST /api/attendance/payroll-cycles/generate",
    "POST /api/attendance/payroll-cycles/{id}/archive",
    "POST /api/attendance/payroll-cycles/{id}/close",
    "POST /api/attendance/payroll-cycles/{id}/lock",
    "POST /api/attendance/payroll-cycles/{id}/reopen",
    "POST /api/attendance/payroll-cycles/{id}/unlock",
    "POST /api/attendance/payroll-templates",
    "POST /api/attendance/requests/bulk-approve",
    "PUT /api/attendance-admin/settings/ip-allowlist",
    "PUT /api/attendance-admin/settings/retention",
    "PUT /api/attendance/overtime-rules",
    "PUT /api/attendance/payroll-cycles/{id}",
    "PUT /api/attendance/payroll-templates/{id}",
)


@pytest.fixture
def world(make_member, settings):
    settings.RATELIMIT_ENABLE = False  # rate limits have their own tests; here they would only hide paths
    admin = make_member("boss", roles.ADMIN, employee_no="E0001")
    employee = make_member("emma", roles.EMPLOYEE, employee_no="E0101", manager=admin)
    shift = attendance.shift_create(
        organization=admin.organization, name="Day", start_time=time(9), end_time=time(18), break_minutes=60
    )
    attendance.policy_update(organization=admin.organization, default_shift=shift)
    return {"admin": admin, "employee": employee}


@pytest.mark.parametrize("phases", ["examples,fuzzing,stateful", "coverage"])
@pytest.mark.parametrize("role", ["admin", "employee"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    role, phases, world, live_server, tmp_path
):
    token = token_create(user=world[role].user, organization=world[role].organization).raw
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(ST),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        phases,
        "--checks",
        CHECKS,
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-shrink",
        "--continue-on-failure",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    if role == "employee" and phases == "coverage":
        for name in EMPLOYEE_REFUSED:
            command += ["--exclude-name", name]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False, cwd=tmp_path)
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report


def test_employee_is_refused_what_the_coverage_run_leaves_out(world):
    """Each operation the employee's coverage phase leaves out answers the employee 403 to a request with
    nothing in it: were one of them opened to employees, its coverage would be missing, and this fails."""
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=world['employee'].user, organization=world['employee'].organization).raw}"
    )
    for name in EMPLOYEE_REFUSED:
        method, path = name.split(" ")
        path = re.sub(r"\{[^}]+\}", "1", path)
        response = getattr(client, method.lower())(path, {}, format="json")
        assert response.status_code == 403, (name, response.status_code)
