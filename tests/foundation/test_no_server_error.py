"""Hostile input gets a 4xx with a stable code, never a 500: NUL bytes in any filter or search (API and pages),
Unicode digits, dates at the edge of the calendar, JSON nested hundreds deep, a multipart body without a
boundary. Each case answered 500 before (DataError, ValueError, OverflowError, RecursionError)."""

import pytest

from apps.access import roles
from apps.attendance import services as attendance

NUL_QUERIES = [
    "/api/attendance/records?status=%00",
    "/api/attendance/punches?from=%00",
    "/api/attendance/schedule?from=2026-03-01%00",
    "/api/attendance/leave-balances?type=%00",
    "/api/attendance/leave-ledger?from=%00",
    "/api/attendance-admin/users?q=a%00b",
    "/api/attendance-admin/audit-logs?actor=%00",
    "/api/attendance-admin/audit-logs/export.csv?q=%00",
    "/api/attendance/records/export.csv?source=%00",
    "/api/attendance/import/batches?status=%00",
]
NUL_PAGES = [
    "/admin-center/users/?q=%00",
    "/admin-center/audit/?q=%00",
    "/import-center/?q=%00",
    "/attendance/?month=%00",
]


@pytest.fixture
def admin(make_member):
    return make_member("boss", roles.ADMIN)


@pytest.mark.parametrize("path", NUL_QUERIES)
def test_a_nul_byte_in_any_api_filter_is_a_400_validation_error(api_as, admin, path):
    response = api_as(admin).get(path)

    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert list(body["error"]["details"]["fields"].values()) == [["Null characters are not allowed."]]


@pytest.mark.parametrize("path", NUL_PAGES)
def test_a_nul_byte_in_a_page_search_is_a_400_page(client, admin, path):
    client.force_login(admin.user)
    response = client.get(path)

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/attendance-admin/audit-logs?actor=%C2%B2",
        "/admin-center/audit/?before=%C2%B2",
        "/admin-center/settings/attendance/?year=%C2%B2",
        "/api/attendance-admin/audit-logs?actor=99999999999999999999999",
    ],
)
def test_unicode_digits_and_huge_numbers_are_not_numbers(client, admin, path):
    client.force_login(admin.user)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/attendance-admin/audit-logs?to=9999-12-31",
        "/api/attendance-admin/audit-logs?from=0001-01-01",
        "/api/attendance/schedule?from=9999-01-01&to=9999-12-31",
    ],
)
def test_dates_at_the_edge_of_the_calendar_are_a_400(api_as, admin, path):
    response = api_as(admin).get(path)

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def _nested(depth: int) -> str:
    return '{"reason":' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    "path",
    [
        "/api/attendance/adjustments",
        "/api/attendance/leave-requests",
        "/api/attendance-admin/users",
        "/api/attendance/import/prepare",
    ],
)
def test_json_nested_five_hundred_deep_is_a_malformed_request(api_as, admin, path):
    response = api_as(admin).post(
        path, data=_nested(500), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


def test_a_nul_inside_a_json_string_is_a_malformed_request(api_as, admin):
    response = api_as(admin).post(
        "/api/attendance-admin/users",
        data='{"username": "a\\u0000b", "email": "a@example.com"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


def test_multipart_without_a_boundary_is_a_400_not_a_500(api_as, admin):
    response = api_as(admin).generic(
        "POST", "/api/attendance/import/upload", b"--x\r\n\r\n", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


EDGE_DATE_WRITES = {
    "leave": (
        "/api/attendance/leave-requests",
        {"leaveType": "annual", "reason": "x"},
        ["startDate", "endDate"],
    ),
    "adjustment": ("/api/attendance/adjustments", {"kind": "missed_check_in", "reason": "x"}, ["workDate"]),
    "overtime": ("/api/attendance/overtime-requests", {"minutes": 60, "reason": "x"}, ["workDate"]),
    "payroll-cycle": ("/api/attendance/payroll-cycles", {"name": "Edge"}, ["startDate", "endDate"]),
}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("write", EDGE_DATE_WRITES)
def test_a_write_at_the_edge_of_the_calendar_is_a_400_naming_the_field(api_as, admin, org, write, day):
    attendance.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    path, body, fields = EDGE_DATE_WRITES[write]

    response = api_as(admin).post(
        path, {**body, **dict.fromkeys(fields, day)}, format="json", HTTP_IDEMPOTENCY_KEY=f"edge-{day}"
    )

    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert set(error["details"]["fields"]) == set(fields)


def test_a_page_form_at_the_edge_of_the_calendar_shows_the_error(client, admin, org):
    attendance.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    client.force_login(admin.user)

    response = client.post(
        "/admin-center/settings/attendance/", {"day": "9999-12-31", "name": "End of time", "kind": "holiday"}
    )

    assert response.status_code == 400
    assert "Not a date between 1900-01-01 and 2199-12-31." in response.content.decode()


def test_authenticated_responses_are_not_stored_by_any_cache(api_as, admin, client):
    assert api_as(admin).get("/api/attendance/me")["Cache-Control"] == "no-store"
    client.force_login(admin.user)
    assert client.get("/admin-center/users/")["Cache-Control"] == "no-store"


def test_an_unknown_x_organization_is_403_no_membership(api_as, admin):
    response = api_as(admin).get("/api/attendance-admin/users", HTTP_X_ORGANIZATION="no-such-org")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "NO_MEMBERSHIP"


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("huge-id", 404, "MEMBER_NOT_FOUND"),
        ("other-organization", 404, "MEMBER_NOT_FOUND"),
        ("no-email", 400, "EMAIL_REQUIRED"),
    ],
)
def test_inviting_someone_who_cannot_be_invited_is_a_4xx(
    api_as, admin, make_member, other_org, who, status, code
):
    user_id = {
        "huge-id": 99999999999999999999,
        "other-organization": make_member("otto", organization=other_org).user_id,
        "no-email": make_member("nomail", user__email="").user_id,
    }[who]

    response = api_as(admin).post(f"/api/attendance-admin/users/{user_id}/invite", format="json")

    assert response.status_code == status, response.content[:300]
    assert response.json()["error"]["code"] == code
