"""Isolation and permission matrix: every API endpoint in the URL conf, every role, the expected status.

For each endpoint (read from the URL conf, so new ones are picked up) and each method it allows, the test
calls it as each role of organization "acme" (anonymous, employee, approver, importer, admin) and as an
admin of another organization ("outsider"), with path parameters naming objects of acme and an empty JSON
body, and compares the statuses with EXPECTED. Then it calls it again with path parameters naming objects
of the other organization: a caller who may use the endpoint always gets 404, one who may not gets 404 or
the same 401/403 as before. Responses to the outsider never contain acme's data.

A new endpoint fails with "add an expectation for ...": decide what each role should get and add a row.
"""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from tests.security.endpoints import (
    ROLES,
    Endpoint,
    _adjustment,
    _leave_request,
    api_endpoints,
    build_world,
    path_for,
)

pytestmark = pytest.mark.django_db

#                                              anonymous employee approver importer admin outsider
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # --- /api/me and the API's own documentation (public, like the docs site)
    ("api-me", "GET"):                                (401, 200, 200, 200, 200, 200),
    ("api-schema", "GET"):                            (200, 200, 200, 200, 200, 200),
    ("api-docs", "GET"):                              (200, 200, 200, 200, 200, 200),
    ("api-redoc", "GET"):                             (200, 200, 200, 200, 200, 200),
    # --- payroll: every member reads cycles, templates, rules and (scoped) summaries; admins move them
    ("payroll-anomalies", "GET"):                     (401, 200, 200, 200, 200, 200),
    # Batch resolve asks for requests: everyone who may ask (their own; approvers their team's, admins anyone's).
    ("payroll-anomalies-resolve", "POST"):            (401, 400, 400, 400, 400, 400),
    ("payroll-overtime-rules", "GET"):                (401, 200, 200, 200, 200, 200),
    ("payroll-overtime-rules", "POST"):               (401, 403, 403, 403, 200, 200),
    ("payroll-overtime-rules", "PUT"):                (401, 403, 403, 403, 200, 200),
    ("payroll-cycles", "GET"):                        (401, 200, 200, 200, 200, 200),
    ("payroll-cycles", "POST"):                       (401, 403, 403, 403, 400, 400),
    ("payroll-cycle", "DELETE"):                      (401, 403, 403, 403, 204, 404),
    ("payroll-cycle", "GET"):                         (401, 200, 200, 200, 200, 404),
    ("payroll-cycle", "PUT"):                         (401, 403, 403, 403, 200, 404),
    ("payroll-cycle-archive", "POST"):                (401, 403, 403, 403, 409, 404),
    ("payroll-cycle-changes", "GET"):                 (401, 403, 403, 403, 200, 404),
    ("payroll-cycle-close", "POST"):                  (401, 403, 403, 403, 200, 404),
    ("payroll-cycle-lock", "POST"):                   (401, 403, 403, 403, 200, 404),
    ("payroll-cycle-readiness", "GET"):               (401, 403, 403, 403, 200, 404),
    ("payroll-cycle-reopen", "POST"):                 (401, 403, 403, 403, 400, 404),
    ("payroll-cycle-summary", "GET"):                 (401, 200, 200, 200, 200, 404),
    ("payroll-cycle-summary-export", "GET"):          (401, 200, 200, 200, 200, 404),
    ("payroll-cycle-summary-jobs", "POST"):           (401, 403, 403, 403, 202, 404),
    ("payroll-cycle-summary-job", "GET"):             (401, 403, 403, 403, 200, 404),
    ("payroll-cycle-unlock", "POST"):                 (401, 403, 403, 403, 400, 404),
    ("payroll-cycles-generate", "POST"):              (401, 403, 403, 403, 400, 400),
    ("payroll-templates", "GET"):                     (401, 200, 200, 200, 200, 200),
    ("payroll-templates", "POST"):                    (401, 403, 403, 403, 400, 400),
    ("payroll-template", "DELETE"):                   (401, 403, 403, 403, 204, 404),
    ("payroll-template", "GET"):                      (401, 200, 200, 200, 200, 404),
    ("payroll-template", "PUT"):                      (401, 403, 403, 403, 200, 404),
    # --- administration: admins only; users of another organization are 404 for the outsider
    ("admin-users", "GET"):                           (401, 403, 403, 403, 200, 200),
    ("admin-users", "POST"):                          (401, 403, 403, 403, 400, 400),
    ("admin-user-access", "GET"):                     (401, 403, 403, 403, 200, 404),
    ("admin-user-update", "PATCH"):                   (401, 403, 403, 403, 400, 404),
    ("admin-user-roles-assign", "POST"):              (401, 403, 403, 403, 400, 404),
    ("admin-user-roles-unassign", "POST"):            (401, 403, 403, 403, 400, 404),
    ("admin-user-deactivate", "POST"):                (401, 403, 403, 403, 200, 404),
    ("admin-user-reactivate", "POST"):                (401, 403, 403, 403, 200, 404),
    ("admin-user-invite", "POST"):                    (401, 403, 403, 403, 202, 404),
    ("admin-roles", "GET"):                           (401, 403, 403, 403, 200, 200),
    ("admin-roles-batch-assign", "POST"):             (401, 403, 403, 403, 400, 400),
    ("admin-roles-batch-unassign", "POST"):           (401, 403, 403, 403, 400, 400),
    ("admin-ip-allowlist", "GET"):                    (401, 403, 403, 403, 200, 200),
    ("admin-ip-allowlist", "PUT"):                    (401, 403, 403, 403, 400, 400),
    ("admin-retention", "GET"):                       (401, 403, 403, 403, 200, 200),
    ("admin-retention", "PUT"):                       (401, 403, 403, 403, 200, 200),
    ("admin-audit-logs", "GET"):                      (401, 403, 403, 403, 200, 200),
    ("admin-audit-logs-export", "GET"):               (401, 403, 403, 403, 200, 200),
    ("admin-audit-logs-summary", "GET"):              (401, 403, 403, 403, 200, 200),
    ("admin-webhooks", "GET"):                        (401, 403, 403, 403, 200, 200),
    ("admin-webhooks", "POST"):                       (401, 403, 403, 403, 400, 400),
    ("admin-webhook-event-types", "GET"):             (401, 403, 403, 403, 200, 200),
    ("admin-webhook", "GET"):                         (401, 403, 403, 403, 200, 404),
    ("admin-webhook", "PATCH"):                       (401, 403, 403, 403, 400, 404),
    ("admin-webhook", "DELETE"):                      (401, 403, 403, 403, 204, 404),
    ("admin-webhook-deliveries", "GET"):              (401, 403, 403, 403, 200, 404),
    ("admin-webhook-replay-dead", "POST"):            (401, 403, 403, 403, 200, 404),
    ("admin-webhook-delivery-replay", "POST"):        (401, 403, 403, 403, 200, 404),
    # --- attendance (helper endpoints present on 2026-11-23; the owner of the objects is an employee
    # managed by the approver). Empty bodies: 400 means "allowed, but the body is wrong".
    ("notifications", "GET"):                         (401, 200, 200, 200, 200, 200),
    ("notifications-read", "POST"):                   (401, 400, 400, 400, 400, 400),
    ("notifications-preferences", "GET"):             (401, 200, 200, 200, 200, 200),
    ("notifications-preferences", "PUT"):             (401, 200, 200, 200, 200, 200),
    ("attendance-punches", "GET"):                    (401, 200, 200, 200, 200, 200),
    ("attendance-punches", "POST"):                   (401, 400, 400, 400, 400, 400),
    ("attendance-schedule", "GET"):                   (401, 200, 200, 200, 200, 200),
    ("attendance-records", "GET"):                    (401, 200, 200, 200, 200, 200),
    ("records-export", "GET"):                        (401, 403, 403, 200, 200, 200),
    # Reports: everyone reads them, scoped like the records (an outsider sees their own organization).
    ("attendance-reports-leave-summary", "GET"):                      (401, 200, 200, 200, 200, 200),
    ("attendance-reports-leave-summary-export", "GET"):               (401, 200, 200, 200, 200, 200),
    ("attendance-reports-attendance-summary", "GET"):                 (401, 200, 200, 200, 200, 200),
    ("attendance-reports-attendance-summary-export", "GET"):          (401, 200, 200, 200, 200, 200),
    ("attendance-adjustments", "GET"):                (401, 200, 200, 200, 200, 200),
    ("attendance-adjustments", "POST"):               (401, 400, 400, 400, 400, 400),
    ("attendance-adjustment", "GET"):                 (401, 404, 200, 404, 200, 404),
    ("attendance-adjustment-approve", "POST"):        (401, 404, 200, 404, 200, 404),
    ("attendance-adjustment-reject", "POST"):         (401, 404, 400, 404, 400, 404),
    ("attendance-adjustment-cancel", "POST"):         (401, 404, 403, 404, 200, 404),
    ("attendance-leave-types", "GET"):                (401, 200, 200, 200, 200, 200),
    ("attendance-leave-balances", "GET"):             (401, 200, 200, 200, 200, 200),
    ("attendance-leave-requests", "GET"):             (401, 200, 200, 200, 200, 200),
    ("attendance-leave-requests", "POST"):            (401, 400, 400, 400, 400, 400),
    ("attendance-leave-request", "GET"):              (401, 404, 200, 404, 200, 404),
    ("attendance-leave-approve", "POST"):             (401, 404, 409, 404, 409, 404),
    ("attendance-leave-reject", "POST"):              (401, 404, 400, 404, 400, 404),
    ("attendance-leave-cancel", "POST"):              (401, 404, 403, 404, 200, 404),
    ("attendance-overtime-requests", "GET"):          (401, 200, 200, 200, 200, 200),
    ("attendance-overtime-requests", "POST"):         (401, 400, 400, 400, 400, 400),
    ("attendance-overtime-request", "GET"):           (401, 404, 200, 404, 200, 404),
    ("attendance-overtime-approve", "POST"):          (401, 404, 200, 404, 200, 404),
    ("attendance-overtime-reject", "POST"):           (401, 404, 400, 404, 400, 404),
    ("attendance-overtime-cancel", "POST"):           (401, 404, 403, 404, 200, 404),
    ("attendance-leave-ledger", "GET"):               (401, 200, 200, 200, 200, 200),
    ("attendance-leave-balance-adjust", "POST"):      (401, 403, 403, 403, 400, 400),
    # Calendar feeds: every member has one; the .ics address is its own credential (anyone holding it).
    ("attendance-calendar-feed", "GET"):              (401, 200, 200, 200, 200, 200),
    ("attendance-calendar-feed-rotate", "POST"):      (401, 200, 200, 200, 200, 200),
    ("attendance-calendar-feed-ics", "GET"):          (200, 200, 200, 200, 200, 200),
    # An empty bulk approval is a no-op report for anyone; each item is checked on its own.
    ("attendance-requests-bulk-approve", "POST"):     (401, 403, 200, 403, 200, 200),
    # --- imports: importers and admins
    ("import-template", "GET"):                       (401, 403, 403, 200, 200, 200),
    ("import-upload", "POST"):                        (401, 403, 403, 400, 400, 400),
    ("import-preview", "POST"):                       (401, 403, 403, 400, 400, 400),
    ("import-prepare", "POST"):                       (401, 403, 403, 400, 400, 400),
    ("import-commit", "POST"):                        (401, 403, 403, 400, 400, 400),
    ("import-job", "GET"):                            (401, 403, 403, 200, 200, 404),
    ("import-batches", "GET"):                        (401, 403, 403, 200, 200, 200),
    ("import-batch", "GET"):                          (401, 403, 403, 200, 200, 404),
    ("import-batch-items", "GET"):                    (401, 403, 403, 200, 200, 404),
    ("import-batch-errors", "GET"):                   (401, 403, 403, 200, 200, 404),
    ("import-batch-rollback", "POST"):                (401, 403, 403, 409, 409, 404),
}  # fmt: skip

# What acme's data looks like; none of it may reach the outsider.
ACME_MARKERS = ("olga-acme-private", "ACME-SECRET-7")
ENDPOINTS = api_endpoints()


def call(client: APIClient, endpoint: Endpoint, path: str) -> int:
    """One call inside a savepoint that is rolled back, so every role meets the same state."""
    savepoint = transaction.savepoint()
    try:
        body = "" if endpoint.method == "GET" else "{}"
        response = client.generic(endpoint.method, path, data=body, content_type="application/json")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, content.decode("utf-8", "replace")
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def world(org, other_org, make_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world(org, other_org, make_member)
    owner = world.member("owner")
    # Acme data that collection endpoints would show if they leaked it to the outsider.
    _adjustment(world, org, owner)
    _leave_request(world, org, owner)
    return world


def clients(world) -> dict[str, APIClient]:
    found = {"anonymous": APIClient()}
    for role in ROLES[1:]:
        found[role] = APIClient()
        found[role].force_login(world.member(role).user)
    return found


def test_every_api_endpoint_has_an_expectation():
    missing = [
        f"add an expectation for {endpoint} to EXPECTED"
        for endpoint in ENDPOINTS
        if endpoint.key not in EXPECTED
    ]
    assert not missing, "\n".join(missing)
    stale = sorted(set(EXPECTED) - {endpoint.key for endpoint in ENDPOINTS})
    assert not stale, f"EXPECTED has rows for endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_role_gets_the_expected_status_and_other_organizations_objects_are_404(endpoint, world):
    if endpoint.key not in EXPECTED:
        pytest.fail(f"add an expectation for {endpoint} to EXPECTED in {__file__}")
    expected = dict(zip(ROLES, EXPECTED[endpoint.key], strict=True))
    callers = clients(world)
    problems = []
    own_path = path_for(endpoint, world)
    for role in ROLES:
        status, content = call(callers[role], endpoint, own_path)
        if status != expected[role]:
            problems.append(f"{role}: got {status}, expected {expected[role]}")
        if role == "outsider" and any(marker in content for marker in ACME_MARKERS):
            problems.append(f"outsider: the response leaks acme's data: {content[:300]}")
    if endpoint.params:
        # The same call naming the other organization's objects: nothing there exists for acme's roles.
        foreign_path = path_for(endpoint, world, organization=world.other_org)
        for role in ROLES[:-1]:
            # Refused callers may be refused before or after the lookup; allowed ones only ever see 404.
            wanted = {expected[role], 404} if expected[role] in {401, 403} else {404}
            status, content = call(callers[role], endpoint, foreign_path)
            if status not in wanted:
                problems.append(f"{role} with another organization's object: got {status}, expected {wanted}")
    assert not problems, f"{endpoint}:\n  " + "\n  ".join(problems)
