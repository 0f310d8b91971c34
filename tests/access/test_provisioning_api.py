"""Member and role provisioning through /api/attendance-admin/ (admins only)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from apps.access import roles
from apps.access.models import Membership
from apps.access.provisioning import roles_unassign
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin"


@pytest.fixture
def admin_api(api_as, admin_member):
    return api_as(admin_member)


def role_names(membership) -> set[str]:
    return set(Membership.objects.get(pk=membership.pk).roles.values_list("name", flat=True))


def entries(action: str):
    return OperationLog.objects.filter(action=action)


# --- search and access -----------------------------------------------------------------------------


def test_search_finds_members_by_name_email_or_employee_number_paginated(
    admin_api, make_member, other_org, django_assert_max_num_queries
):
    make_member("wang.lei", display_name="王磊", employee_no="E0102")
    make_member("li.na", employee_no="E0103")
    make_member("outsider", organization=other_org, employee_no="E0104")
    assert [m["username"] for m in admin_api.get(f"{BASE}/users", {"q": "王"}).json()["results"]] == [
        "wang.lei"
    ]
    assert [m["username"] for m in admin_api.get(f"{BASE}/users", {"q": "li.na@"}).json()["results"]] == [
        "li.na"
    ]
    assert [m["username"] for m in admin_api.get(f"{BASE}/users", {"q": "E010"}).json()["results"]] == [
        "wang.lei",
        "li.na",
    ]  # never the other organization's E0104
    for i in range(30):
        make_member(f"bulk{i}")
    with django_assert_max_num_queries(8):
        page = admin_api.get(f"{BASE}/users", {"pageSize": 10, "page": 2}).json()
    assert page["count"] == 33 and len(page["results"]) == 10
    assert set(page["results"][0]) >= {
        "userId",
        "username",
        "email",
        "employeeNo",
        "roles",
        "isActive",
        "manager",
    }


def test_user_access_shows_memberships_and_roles_and_hides_other_organizations(
    admin_api, make_member, other_org, admin_member
):
    emma = make_member("emma", roles.EMPLOYEE, roles.APPROVER)
    make_member("emma", roles.ADMIN, organization=other_org)  # the admin is not an admin there
    body = admin_api.get(f"{BASE}/users/{emma.user_id}/access").json()
    assert body["user"]["username"] == "emma"
    assert [m["organization"]["slug"] for m in body["memberships"]] == ["acme"]
    assert body["memberships"][0]["roles"] == ["attendance_approver", "attendance_employee"]
    assert "attendance_approve" in body["memberships"][0]["permissions"]
    stranger = make_member("stranger", organization=other_org)
    response = admin_api.get(f"{BASE}/users/{stranger.user_id}/access")
    assert response.status_code == 404 and response.json()["error"]["code"] == "MEMBER_NOT_FOUND"
    assert "stranger" not in response.content.decode()


def test_non_admins_are_refused_and_their_write_attempts_are_recorded_as_denied(api_as, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    client = api_as(make_member("approver", roles.APPROVER))
    assert client.get(f"{BASE}/users").status_code == 403
    response = client.post(f"{BASE}/users/{emma.user_id}/roles/assign", {"roles": ["admin"]}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"
    assert role_names(emma) == {roles.EMPLOYEE}
    denied = OperationLog.objects.get(action="access.role.assign")
    assert denied.result == "denied" and denied.actor_label == "approver"


# --- provisioning ----------------------------------------------------------------------------------


def test_create_member_then_retry_changes_nothing(admin_api, admin_member):
    payload = {
        "username": "alice",
        "email": "alice@acme.example",
        "employeeNo": "E0200",
        "name": "Alice Li",
        "roles": ["employee", "approver"],
        "manager": admin_member.user.username,
    }
    first = admin_api.post(f"{BASE}/users", payload, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "created" and body["member"]["manager"] == "boss"
    assert body["member"]["roles"] == ["attendance_approver", "attendance_employee"]
    again = admin_api.post(f"{BASE}/users", payload, format="json")
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert Membership.objects.filter(user__username="alice").count() == 1
    assert entries("access.member.create").count() == 1
    assert not entries("access.member.update").exists()
    user = get_user_model().objects.get(username="alice")
    assert not user.has_usable_password()


def test_provisioning_an_existing_member_updates_only_given_fields_and_adds_roles(admin_api, make_member):
    emma = make_member("emma", roles.EMPLOYEE, department="Assembly")
    body = admin_api.post(
        f"{BASE}/users", {"username": "emma", "name": "Emma E.", "roles": ["importer"]}, format="json"
    ).json()
    assert body["status"] == "updated"
    assert body["changes"]["displayName"][1] == "Emma E." and body["changes"]["rolesAdded"] == [
        "attendance_importer"
    ]
    emma.refresh_from_db()
    assert emma.department == "Assembly" and role_names(emma) == {roles.EMPLOYEE, roles.IMPORTER}
    assert entries("access.member.update").get().details["changes"]["rolesAdded"] == ["attendance_importer"]


# An account of another organization is never attached without its owner: tests/access/test_consent.py.


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"username": ""}, 400, "VALIDATION_ERROR"),
        ({"username": "bad name!"}, 400, "VALIDATION_ERROR"),
        ({"username": "ok", "email": "not-an-email"}, 400, "VALIDATION_ERROR"),
        ({"username": "ok", "roles": ["overlord"]}, 400, "UNKNOWN_ROLE"),
        ({"username": "ok", "roles": "admin"}, 400, "VALIDATION_ERROR"),
        ({"username": "ok", "manager": "nobody"}, 400, "MANAGER_NOT_FOUND"),
        ({"username": "ok", "employeeNo": "E7777"}, 409, "EMPLOYEE_NO_IN_USE"),
        ({"username": "ok", "email": "emma@example.test"}, 409, "EMAIL_IN_USE"),
        ({"username": "ok", "name": "x" * 201}, 400, "VALIDATION_ERROR"),
        ([1, 2], 400, "VALIDATION_ERROR"),
    ],
)
def test_bad_provisioning_input_is_refused_and_writes_nothing(admin_api, make_member, payload, status, code):
    make_member("emma", employee_no="E7777")
    members, users = Membership.objects.count(), get_user_model().objects.count()
    response = admin_api.post(f"{BASE}/users", payload, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert (Membership.objects.count(), get_user_model().objects.count()) == (members, users)
    assert not entries("access.member.create").exists()


def test_a_failed_provisioning_attempt_is_recorded_as_failed(admin_api):
    admin_api.post(f"{BASE}/users", {"username": "ok", "roles": ["overlord"]}, format="json")
    failed = entries("access.member.provision").get()
    assert failed.result == "failed" and failed.details["code"] == "UNKNOWN_ROLE"
    assert failed.actor_label == "boss" and failed.ip == "127.0.0.1"


# --- single assign / unassign ----------------------------------------------------------------------


def test_assign_and_unassign_roles_for_one_user_are_idempotent(admin_api, make_member):
    emma = make_member("emma")
    url = f"{BASE}/users/{emma.user_id}/roles"
    first = admin_api.post(f"{url}/assign", {"roles": ["approver", "attendance_importer"]}, format="json")
    assert first.status_code == 200 and sorted(first.json()["changed"]) == [roles.APPROVER, roles.IMPORTER]
    again = admin_api.post(f"{url}/assign", {"roles": ["approver"]}, format="json")
    assert again.json()["changed"] == []
    assert entries("access.role.assign").count() == 1
    removed = admin_api.post(f"{url}/unassign", {"roles": ["approver"]}, format="json")
    assert removed.json()["changed"] == [roles.APPROVER]
    assert admin_api.post(f"{url}/unassign", {"roles": ["approver"]}, format="json").json()["changed"] == []
    assert role_names(emma) == {roles.EMPLOYEE, roles.IMPORTER}
    assert entries("access.role.unassign").count() == 1


def test_assign_with_bad_input_is_refused(admin_api, make_member, other_org):
    emma = make_member("emma")
    url = f"{BASE}/users/{emma.user_id}/roles/assign"
    assert admin_api.post(url, {"roles": []}, format="json").json()["error"]["code"] == "VALIDATION_ERROR"
    assert admin_api.post(url, {"roles": ["root"]}, format="json").json()["error"]["code"] == "UNKNOWN_ROLE"
    stranger = make_member("stranger", organization=other_org)
    response = admin_api.post(
        f"{BASE}/users/{stranger.user_id}/roles/assign", {"roles": ["admin"]}, format="json"
    )
    assert response.status_code == 404
    assert role_names(emma) == {roles.EMPLOYEE} and role_names(stranger) == {roles.EMPLOYEE}


def test_the_last_admin_cannot_lose_the_admin_role(admin_api, admin_member):
    response = admin_api.post(
        f"{BASE}/users/{admin_member.user_id}/roles/unassign", {"roles": ["admin"]}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "LAST_ADMIN"
    assert roles.ADMIN in role_names(admin_member)
    assert entries("access.role.unassign").get().result == "failed"


def test_an_inactive_admin_does_not_count_as_the_remaining_admin(admin_api, admin_member, make_member):
    make_member("dormant", roles.ADMIN, is_active=False)
    response = admin_api.post(
        f"{BASE}/users/{admin_member.user_id}/roles/unassign", {"roles": ["admin"]}, format="json"
    )
    assert response.status_code == 409


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_removing_each_other_at_once_leave_one_admin(make_member):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (run with DATABASE_URL=postgres://...)")
    first, second = make_member("first", roles.ADMIN), make_member("second", roles.ADMIN)
    start, outcomes = threading.Barrier(2), []

    def remove(actor, member):
        try:
            start.wait()
            roles_unassign(organization=actor.organization, actor=actor, member=member, roles=["admin"])
            outcomes.append("ok")
        except Exception as error:
            outcomes.append(getattr(error, "code", repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=remove, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["LAST_ADMIN", "ok"]
    assert Membership.objects.filter(roles__name=roles.ADMIN).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicate_provisioning_creates_one_member(org, admin_member):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (run with DATABASE_URL=postgres://...)")
    from apps.access.provisioning import member_provision

    start, outcomes = threading.Barrier(4), []

    def provision():
        try:
            start.wait()
            result = member_provision(
                organization=org,
                actor=admin_member,
                username="twin",
                email="twin@acme.example",
                roles=["approver"],
            )
            outcomes.append(result.status)
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=provision) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "unchanged", "unchanged", "unchanged"]
    assert Membership.objects.filter(user__username="twin").count() == 1
    assert OperationLog.objects.filter(action="access.member.create").count() == 1
