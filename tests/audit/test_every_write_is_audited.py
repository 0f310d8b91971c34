"""Every write endpoint of the API leaves an operation-log entry.

The endpoints come from the URL conf, so a new write endpoint is picked up by itself; WRITES says how to
make a valid request to it (as an admin of the organization, preparing what it needs first). An endpoint
missing from WRITES fails with "add a valid request for ...".
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.attendance import services as attendance_services
from apps.audit.models import OperationLog
from apps.audit.wording import wording_for
from apps.payroll_cycles.models import PayrollCycle
from tests import factories
from tests.security.endpoints import _adjustment, api_endpoints, build_world, path_for

pytestmark = pytest.mark.django_db
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NOW = "2026-03-03T02:00:00Z"  # 10:00 in Shanghai, the organization's timezone


@dataclass
class Call:
    path: str
    body: dict | bytes = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"


def idempotent() -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def _path(name: str, world, **kwargs) -> str:
    endpoint = next(e for e in api_endpoints() if e.name == name)
    return path_for(endpoint, world, **kwargs)


def _cycle_path(name: str, world, status: str) -> str:
    """The path of `name` for a cycle of the organization already in `status`."""
    path = _path(name, world)
    PayrollCycle.objects.filter(organization=world.org).update(status=status)
    return path


def _emma_id(world) -> int:
    return world.member("employee").user_id


def _own_adjustment(world, admin: APIClient) -> int:
    return _adjustment(world, world.org, world.member("owner")).pk


def _leave_type(world) -> None:
    shift = attendance_services.shift_create(
        organization=world.org, name="Day", start_time=time(9), end_time=time(18), break_minutes=60
    )
    attendance_services.policy_update(organization=world.org, default_shift=shift)
    attendance_services.leave_type_create(
        organization=world.org, code="unpaid", name="Unpaid", is_paid=False, allow_negative=True
    )


def _leave_request_id(world, admin: APIClient) -> int:
    _leave_type(world)
    owner = APIClient()
    owner.force_authenticate(world.member("owner").user)
    response = owner.post(
        "/api/attendance/leave-requests",
        {"leaveType": "unpaid", "startDate": "2026-03-10", "endDate": "2026-03-10", "reason": "Errand"},
        format="json",
        **idempotent(),
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _overtime_request_id(world, admin: APIClient) -> int:
    owner = APIClient()
    owner.force_authenticate(world.member("owner").user)
    response = owner.post(
        "/api/attendance/overtime-requests",
        {"workDate": "2026-03-02", "minutes": 90, "reason": "Release night"},
        format="json",
        **idempotent(),
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


IMPORT_FILE = (
    "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n2026-03-02,u0001,09:00,18:00,正常,\n"
)


def _upload(world, admin: APIClient) -> int:
    world.member("owner").__class__.objects.filter(pk=world.member("owner").pk).update(external_id="u0001")
    response = admin.generic(
        "POST",
        "/api/attendance/import/upload?filename=f.csv",
        data=IMPORT_FILE.encode(),
        content_type="text/csv",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _commit_token(world, admin: APIClient) -> str:
    response = admin.post(
        "/api/attendance/import/prepare", {"uploadId": _upload(world, admin)}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["commitToken"]


def _batch_id(world, admin: APIClient) -> int:
    response = admin.post(
        "/api/attendance/import/commit",
        {"commitToken": _commit_token(world, admin), "idempotencyKey": "walk-1"},
        format="json",
    )
    assert response.status_code in {200, 201}, response.json()
    return response.json()["batch"]["id"] if "batch" in response.json() else response.json()["id"]


# POSTs that change nothing: the walker makes the valid call and asserts it leaves no entry.
CHANGES_NOTHING = {("import-preview", "POST")}
# Writes that change only the caller's own reading state, which is not an operation worth an audit entry:
# the walker makes the valid call and asserts it leaves none (so the list is kept honest).
NOT_AUDITED = {("notifications-read", "POST")}

# (route name, method) -> prepare(world, admin client) -> the valid call to make.
WRITES: dict[tuple[str, str], Callable] = {
    # administration
    ("admin-users", "POST"): lambda w, a: Call(
        "/api/attendance-admin/users", {"username": "newbie", "email": "newbie@acme.example"}
    ),
    ("admin-user-update", "PATCH"): lambda w, a: Call(
        f"/api/attendance-admin/users/{_emma_id(w)}", {"department": "Assembly", "dingtalkUserId": "dt-emma"}
    ),
    ("admin-user-roles-assign", "POST"): lambda w, a: Call(
        f"/api/attendance-admin/users/{_emma_id(w)}/roles/assign", {"roles": ["approver"]}
    ),
    ("admin-user-roles-unassign", "POST"): lambda w, a: Call(
        f"/api/attendance-admin/users/{_emma_id(w)}/roles/unassign", {"roles": ["employee"]}
    ),
    ("admin-user-deactivate", "POST"): lambda w, a: Call(
        f"/api/attendance-admin/users/{_emma_id(w)}/deactivate"
    ),
    ("admin-user-reactivate", "POST"): lambda w, a: (
        w.member("employee").__class__.objects.filter(pk=w.member("employee").pk).update(is_active=False),
        Call(f"/api/attendance-admin/users/{_emma_id(w)}/reactivate"),
    )[1],
    ("admin-user-invite", "POST"): lambda w, a: Call(f"/api/attendance-admin/users/{_emma_id(w)}/invite"),
    ("admin-roles-batch-assign", "POST"): lambda w, a: Call(
        "/api/attendance-admin/roles/batch-assign", {"users": ["emma", "importer"], "roles": ["approver"]}
    ),
    ("admin-roles-batch-unassign", "POST"): lambda w, a: Call(
        "/api/attendance-admin/roles/batch-unassign", {"users": ["emma"], "roles": ["employee"]}
    ),
    ("admin-ip-allowlist", "PUT"): lambda w, a: Call(
        "/api/attendance-admin/settings/ip-allowlist", {"admin": ["127.0.0.0/8"], "allApi": False}
    ),
    ("admin-retention", "PUT"): lambda w, a: Call(
        "/api/attendance-admin/settings/retention", {"operationLogDays": 400}
    ),
    # webhooks
    ("admin-webhooks", "POST"): lambda w, a: Call(
        "/api/attendance-admin/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["member.created"]}
    ),
    ("admin-webhook", "PATCH"): lambda w, a: Call(_path("admin-webhook", w), {"description": "HR sync"}),
    ("admin-webhook", "DELETE"): lambda w, a: Call(_path("admin-webhook", w)),
    ("admin-webhook-replay-dead", "POST"): lambda w, a: Call(_path("admin-webhook-replay-dead", w)),
    ("admin-webhook-delivery-replay", "POST"): lambda w, a: Call(_path("admin-webhook-delivery-replay", w)),
    # attendance
    ("attendance-punches", "POST"): lambda w, a: Call(
        "/api/attendance/punches", {"kind": "in"}, idempotent()
    ),
    ("attendance-adjustments", "POST"): lambda w, a: Call(
        "/api/attendance/adjustments",
        {
            "kind": "missed_check_out",
            "workDate": "2026-03-02",
            "requestedOutAt": "2026-03-02T18:05:00+08:00",
            "reason": "Forgot to clock out.",
        },
        idempotent(),
    ),
    ("attendance-adjustment-approve", "POST"): lambda w, a: Call(
        f"/api/attendance/adjustments/{_own_adjustment(w, a)}/approve", {"comment": "ok"}
    ),
    ("attendance-adjustment-reject", "POST"): lambda w, a: Call(
        f"/api/attendance/adjustments/{_own_adjustment(w, a)}/reject", {"comment": "no"}
    ),
    ("attendance-adjustment-cancel", "POST"): lambda w, a: Call(
        f"/api/attendance/adjustments/{_own_adjustment(w, a)}/cancel"
    ),
    ("attendance-leave-requests", "POST"): lambda w, a: (
        _leave_type(w),
        Call(
            "/api/attendance/leave-requests",
            {"leaveType": "unpaid", "startDate": "2026-03-10", "endDate": "2026-03-10", "reason": "Errand"},
            idempotent(),
        ),
    )[1],
    ("attendance-leave-approve", "POST"): lambda w, a: Call(
        f"/api/attendance/leave-requests/{_leave_request_id(w, a)}/approve", {"comment": "ok"}
    ),
    ("attendance-leave-reject", "POST"): lambda w, a: Call(
        f"/api/attendance/leave-requests/{_leave_request_id(w, a)}/reject", {"comment": "no"}
    ),
    ("attendance-leave-cancel", "POST"): lambda w, a: Call(
        f"/api/attendance/leave-requests/{_leave_request_id(w, a)}/cancel"
    ),
    ("attendance-overtime-requests", "POST"): lambda w, a: Call(
        "/api/attendance/overtime-requests",
        {"workDate": "2026-03-02", "minutes": 60, "reason": "Release night"},
        idempotent(),
    ),
    ("attendance-overtime-approve", "POST"): lambda w, a: Call(
        f"/api/attendance/overtime-requests/{_overtime_request_id(w, a)}/approve", {"comment": "ok"}
    ),
    ("attendance-overtime-reject", "POST"): lambda w, a: Call(
        f"/api/attendance/overtime-requests/{_overtime_request_id(w, a)}/reject", {"comment": "no"}
    ),
    ("attendance-overtime-cancel", "POST"): lambda w, a: Call(
        f"/api/attendance/overtime-requests/{_overtime_request_id(w, a)}/cancel"
    ),
    ("attendance-leave-balance-adjust", "POST"): lambda w, a: (
        _leave_type(w),
        Call(
            "/api/attendance/leave-balances/adjustments",
            {"member": "emma", "leaveType": "unpaid", "amount": "1.00", "note": "carried over"},
            idempotent(),
        ),
    )[1],
    ("attendance-calendar-feed-rotate", "POST"): lambda w, a: Call("/api/attendance/calendar-feed/rotate"),
    ("attendance-requests-bulk-approve", "POST"): lambda w, a: Call(
        "/api/attendance/requests/bulk-approve", {"adjustmentIds": [_own_adjustment(w, a)]}
    ),
    # notifications (the caller's own)
    ("notifications-read", "POST"): lambda w, a: Call("/api/notifications/read", {"all": True}),
    ("notifications-preferences", "PUT"): lambda w, a: Call(
        "/api/notifications/preferences", {"language": "zh-hans", "muted": ["pending_digest"]}
    ),
    # payroll
    ("payroll-templates", "POST"): lambda w, a: Call(
        "/api/attendance/payroll-templates",
        {"name": "26th to 25th", "startDay": 26, "endDay": 25, "endMonthOffset": 1},
    ),
    ("payroll-template", "PUT"): lambda w, a: Call(_path("payroll-template", w), {"name": "Monthly (HR)"}),
    ("payroll-template", "DELETE"): lambda w, a: Call(_path("payroll-template", w)),
    ("payroll-cycles", "POST"): lambda w, a: Call(
        "/api/attendance/payroll-cycles", {"startDate": "2026-04-01", "endDate": "2026-04-30"}
    ),
    ("payroll-cycles-generate", "POST"): lambda w, a: Call(
        "/api/attendance/payroll-cycles/generate",
        {
            "templateId": factories.PayrollTemplateFactory(organization=w.org).pk,
            "year": 2026,
            "month": 5,
            "count": 2,
        },
    ),
    ("payroll-cycle", "PUT"): lambda w, a: Call(_path("payroll-cycle", w), {"name": "January close"}),
    ("payroll-cycle", "DELETE"): lambda w, a: Call(_path("payroll-cycle", w)),
    ("payroll-cycle-lock", "POST"): lambda w, a: Call(_path("payroll-cycle-lock", w)),
    ("payroll-cycle-unlock", "POST"): lambda w, a: Call(
        _cycle_path("payroll-cycle-unlock", w, "locked"), {"reason": "A late correction"}
    ),
    ("payroll-cycle-close", "POST"): lambda w, a: Call(_path("payroll-cycle-close", w)),
    ("payroll-cycle-reopen", "POST"): lambda w, a: Call(
        _cycle_path("payroll-cycle-reopen", w, "closed"), {"reason": "Overtime was missing"}
    ),
    ("payroll-cycle-archive", "POST"): lambda w, a: Call(_cycle_path("payroll-cycle-archive", w, "closed")),
    ("payroll-cycle-summary-jobs", "POST"): lambda w, a: Call(_path("payroll-cycle-summary-jobs", w)),
    ("payroll-anomalies-resolve", "POST"): lambda w, a: Call(
        "/api/attendance/anomalies/resolve",
        {"items": [{"member": "emma", "date": "2026-03-02"}], "idempotencyKey": "resolve-walk"},
    ),
    ("payroll-overtime-rules", "POST"): lambda w, a: Call(
        "/api/attendance/overtime-rules", {"minMinutes": 30}
    ),
    ("payroll-overtime-rules", "PUT"): lambda w, a: Call(
        "/api/attendance/overtime-rules", {"minMinutes": 15}
    ),
    # imports
    ("import-upload", "POST"): lambda w, a: Call(
        "/api/attendance/import/upload?filename=f.csv", IMPORT_FILE.encode(), content_type="text/csv"
    ),
    # A preview computes a report over an upload and changes nothing: a POST, but not a write.
    ("import-preview", "POST"): lambda w, a: Call(
        "/api/attendance/import/preview", {"uploadId": _upload(w, a)}
    ),
    ("import-prepare", "POST"): lambda w, a: Call(
        "/api/attendance/import/prepare", {"uploadId": _upload(w, a)}
    ),
    ("import-commit", "POST"): lambda w, a: Call(
        "/api/attendance/import/commit", {"commitToken": _commit_token(w, a), "idempotencyKey": "walk-2"}
    ),
    ("import-batch-rollback", "POST"): lambda w, a: Call(
        f"/api/attendance/import/batches/{_batch_id(w, a)}/rollback"
    ),
}

WRITE_ENDPOINTS = [endpoint for endpoint in api_endpoints() if endpoint.method in WRITE_METHODS]


def test_every_write_endpoint_has_a_valid_request():
    missing = [f"add a valid request for {e} to WRITES" for e in WRITE_ENDPOINTS if e.key not in WRITES]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=str)
def test_a_valid_write_leaves_an_operation_log_entry(
    endpoint, org, other_org, make_member, settings, tmp_path, django_capture_on_commit_callbacks
):
    if endpoint.key not in WRITES:
        pytest.fail(f"add a valid request for {endpoint} to WRITES in {__file__}")
    settings.MEDIA_ROOT = tmp_path
    world = build_world(org, other_org, make_member)
    admin = APIClient()
    admin.force_authenticate(world.member("admin").user)  # no sign-in entry to confuse the count
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        call = WRITES[endpoint.key](world, admin)
        before = OperationLog.objects.count()
        if isinstance(call.body, bytes):
            response = admin.generic(
                endpoint.method, call.path, data=call.body, content_type=call.content_type, **call.headers
            )
        else:
            response = admin.generic(
                endpoint.method,
                call.path,
                data=json.dumps(call.body),
                content_type=call.content_type,
                **call.headers,
            )
    assert 200 <= response.status_code < 300, (
        f"{endpoint}: the request in WRITES is not valid: {response.content[:500]}"
    )
    new = list(OperationLog.objects.order_by("-id")[: OperationLog.objects.count() - before])
    if endpoint.key in CHANGES_NOTHING | NOT_AUDITED:
        assert not new, f"{endpoint} is listed as changing nothing but logged {[e.action for e in new]}"
        return
    assert new, f"{endpoint} succeeded ({response.status_code}) but left no operation-log entry"
    assert all(entry.action.count(".") >= 2 for entry in new), [entry.action for entry in new]
    unworded = [entry.action for entry in new if wording_for(entry.action) is None]
    assert not unworded, f"{endpoint}: add a wording (the app's audit_wording.py) for {unworded}"
