"""Batch role assignment: up to 1,000 users by user name, e-mail or employee number, per-item results."""

import pytest

from apps.access import roles
from apps.access.models import Membership
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/roles"


@pytest.fixture
def admin_api(api_as, admin_member):
    return api_as(admin_member)


@pytest.fixture
def people(make_member, other_org):
    return {
        "emma": make_member("emma", employee_no="E0101"),
        "wang": make_member("wang.lei", employee_no="E0102"),
        "li": make_member("li.na", employee_no="E0103"),
        "clash": make_member("E0999", employee_no="E0104"),  # a user name that is someone's employee no.
        "clash2": make_member("zed", employee_no="E0999"),
        "outsider": make_member("outsider", organization=other_org, employee_no="E0105"),
    }


def holders(role: str) -> set[str]:
    return set(Membership.objects.filter(roles__name=role).values_list("user__username", flat=True))


def test_batch_assign_resolves_each_identifier_and_reports_per_item(
    admin_api, people, django_assert_max_num_queries
):
    users = ["emma", "WANG.LEI@example.test", "E0103", "nobody", "emma", "E0999", "E0105", ""]
    with django_assert_max_num_queries(17):  # the same for 1,000 users (see below)
        response = admin_api.post(
            f"{BASE}/batch-assign", {"users": users, "roles": ["approver"]}, format="json"
        )
    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    assert [item["status"] for item in items] == [
        "changed",
        "changed",
        "changed",
        "not_found",
        "duplicate",
        "ambiguous",
        "not_found",  # another organization's employee number is unknown here
        "invalid",
    ]
    assert items[1]["username"] == "wang.lei" and items[2]["roles"] == [roles.APPROVER]
    assert items[4]["sameAs"] == "emma" and items[5]["candidates"] == ["E0999", "zed"]
    assert response.json()["summary"] == {
        "changed": 3,
        "notFound": 2,
        "duplicate": 1,
        "ambiguous": 1,
        "invalid": 1,
    }
    assert holders(roles.APPROVER) == {"emma", "wang.lei", "li.na"}
    entry = OperationLog.objects.get(action="access.role.batch_assign")
    assert entry.details["changed"] == ["emma", "wang.lei", "li.na"] and entry.result == "failed"


def test_repeating_a_batch_changes_nothing_more(admin_api, people):
    payload = {"users": ["emma", "E0102"], "roles": ["importer", "approver"]}
    admin_api.post(f"{BASE}/batch-assign", payload, format="json")
    again = admin_api.post(f"{BASE}/batch-assign", payload, format="json").json()
    assert [item["status"] for item in again["items"]] == ["unchanged", "unchanged"]
    assert OperationLog.objects.filter(action="access.role.batch_assign").count() == 1
    assert Membership.roles.through.objects.filter(group__name=roles.IMPORTER).count() == 2


def test_all_or_nothing_changes_nothing_when_one_user_is_unknown(admin_api, people):
    response = admin_api.post(
        f"{BASE}/batch-assign",
        {"users": ["emma", "nobody"], "roles": ["admin"], "atomic": True},
        format="json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "BATCH_REJECTED"
    assert error["details"]["items"] == [{"user": "nobody", "status": "not_found"}]
    assert holders(roles.ADMIN) == {"boss"}
    assert OperationLog.objects.get(action="access.role.batch_assign").result == "failed"


def test_all_or_nothing_applies_everything_when_every_user_is_known(admin_api, people):
    response = admin_api.post(
        f"{BASE}/batch-assign",
        {"users": ["emma", "E0103"], "roles": ["importer"], "atomic": True},
        format="json",
    )
    assert response.status_code == 200 and response.json()["summary"] == {"changed": 2}


def test_batch_unassign_keeps_the_last_admin(admin_api, people, admin_member):
    admin_api.post(f"{BASE}/batch-assign", {"users": ["emma"], "roles": ["admin"]}, format="json")
    response = admin_api.post(
        f"{BASE}/batch-unassign", {"users": ["emma", "boss"], "roles": ["admin"]}, format="json"
    )
    items = response.json()["items"]
    assert [item["status"] for item in items] == ["changed", "last_admin"]
    assert items[1]["code"] == "LAST_ADMIN"
    assert holders(roles.ADMIN) == {"boss"}


def test_a_thousand_users_is_the_limit_and_costs_no_more_queries(
    admin_api, people, django_assert_max_num_queries
):
    too_many = admin_api.post(
        f"{BASE}/batch-assign", {"users": ["x"] * 1001, "roles": ["employee"]}, format="json"
    )
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "BATCH_TOO_LARGE"
    with django_assert_max_num_queries(17):
        fine = admin_api.post(
            f"{BASE}/batch-assign", {"users": ["emma"] * 1000, "roles": ["approver"]}, format="json"
        )
    assert fine.status_code == 200 and fine.json()["summary"] == {"changed": 1, "duplicate": 999}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"users": [], "roles": ["admin"]}, "VALIDATION_ERROR"),
        ({"users": "emma", "roles": ["admin"]}, "VALIDATION_ERROR"),
        ({"users": ["emma"], "roles": []}, "VALIDATION_ERROR"),
        ({"users": ["emma"], "roles": ["king"]}, "UNKNOWN_ROLE"),
        ({"users": [{"u": 1}], "roles": ["admin"]}, "VALIDATION_ERROR"),
    ],
)
def test_bad_batch_input_is_refused_and_changes_nothing(admin_api, people, payload, code):
    response = admin_api.post(f"{BASE}/batch-assign", payload, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert holders(roles.ADMIN) == {"boss"}


def test_a_thousand_distinct_users_in_one_request_with_a_constant_query_count(
    admin_api, org, django_assert_max_num_queries
):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bulk{i:04d}", email=f"bulk{i:04d}@acme.example") for i in range(1000)]
    )
    Membership.objects.bulk_create(
        [Membership(organization=org, user=user, employee_no=f"B{i:04d}") for i, user in enumerate(users)]
    )
    identifiers = [
        f"bulk{i:04d}" if i % 3 == 0 else f"B{i:04d}" if i % 3 == 1 else f"BULK{i:04d}@ACME.EXAMPLE"
        for i in range(1000)
    ]
    # 17 as for three users, plus SQLite splitting the one bulk insert into statements of 500 rows.
    with django_assert_max_num_queries(19):
        response = admin_api.post(
            f"{BASE}/batch-assign", {"users": identifiers, "roles": ["employee"]}, format="json"
        )
    assert response.json()["summary"] == {"changed": 1000}
    assert (
        Membership.roles.through.objects.filter(
            group__name=roles.EMPLOYEE, membership__user__in=users
        ).count()
        == 1000
    )
    again = admin_api.post(
        f"{BASE}/batch-assign", {"users": identifiers, "roles": ["employee"]}, format="json"
    )
    assert again.json()["summary"] == {"unchanged": 1000}
