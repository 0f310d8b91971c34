"""Hostile input gets a 4xx with a stable code, never a 500: NUL bytes in any filter or search (API and pages),
Unicode digits, dates at the edge of the calendar, JSON nested hundreds deep, a multipart body without a
boundary. Each case answered 500 before (DataError, ValueError, OverflowError, RecursionError)."""

import pytest

from apps.access import roles

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


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_leave_at_the_edge_of_the_calendar_is_a_400(api_as, admin, day):
    response = api_as(admin).post(
        "/api/attendance/leave-requests",
        {"leaveType": "annual", "startDate": day, "endDate": day, "reason": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"edge-{day}",
    )

    assert response.status_code == 400, response.content[:300]


def test_authenticated_responses_are_not_stored_by_any_cache(api_as, admin, client):
    assert api_as(admin).get("/api/attendance/me")["Cache-Control"] == "no-store"
    client.force_login(admin.user)
    assert client.get("/admin-center/users/")["Cache-Control"] == "no-store"


def test_an_unknown_x_organization_is_403_no_membership(api_as, admin):
    response = api_as(admin).get("/api/attendance-admin/users", HTTP_X_ORGANIZATION="no-such-org")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "NO_MEMBERSHIP"
