"""The member's DingTalk UserId, department, manager and employee number through POST and PATCH
/api/attendance-admin/users and the provisioning commands."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.access import roles
from apps.access.models import Membership
from apps.audit.models import OperationLog, OutboxEvent

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/users"


@pytest.fixture
def admin_api(api_as, admin_member):
    return api_as(admin_member)


def snapshot():
    return list(
        Membership.objects.order_by("pk").values_list(
            "pk", "display_name", "employee_no", "external_id", "department", "manager_id", "user__email"
        )
    )


def test_provisioning_takes_the_dingtalk_user_id_department_manager_and_employee_number(
    admin_api, admin_member
):
    response = admin_api.post(
        BASE,
        {
            "username": "alice",
            "email": "alice@acme.example",
            "dingtalkUserId": "0123456789",
            "department": "Assembly",
            "manager": admin_member.pk,
            "employeeNo": "E0200",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    member = response.json()["member"]
    assert member["dingtalkUserId"] == "0123456789" and member["department"] == "Assembly"
    assert (member["managerId"], member["manager"], member["employeeNo"]) == (
        admin_member.pk,
        "boss",
        "E0200",
    )
    stored = Membership.objects.get(user__username="alice")
    assert (stored.external_id, stored.manager_id) == ("0123456789", admin_member.pk)
    created = OperationLog.objects.get(action="access.member.create")
    assert created.details["dingtalkUserId"] == "0123456789"
    assert OutboxEvent.objects.get(type="member.created").data["dingtalkUserId"] == "0123456789"
    listed = admin_api.get(BASE, {"q": "alice"}).json()["results"][0]
    assert listed["dingtalkUserId"] == "0123456789"


def test_patch_changes_only_the_given_fields_audited_once_with_an_event(admin_api, make_member, admin_member):
    emma = make_member("emma", display_name="Emma", department="Assembly", employee_no="E1")
    approver = make_member("alan", roles.APPROVER)
    response = admin_api.patch(
        f"{BASE}/{emma.user_id}",
        {
            "displayName": "Emma Stone",
            "dingtalkUserId": "dt-77",
            "manager": approver.pk,
            "employeeNo": "E2",
            "email": "emma.stone@acme.example",
            "roles": ["employee", "importer"],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["member"]["name"] == "Emma Stone" and body["member"]["department"] == "Assembly"
    assert body["member"]["roles"] == ["attendance_employee", "attendance_importer"]
    assert body["changes"]["dingtalkUserId"] == ["", "dt-77"]
    assert body["changes"]["manager"] == [None, "alan"] and body["changes"]["rolesAdded"] == [roles.IMPORTER]
    emma.refresh_from_db()
    assert (emma.external_id, emma.manager_id, emma.employee_no, emma.user.email) == (
        "dt-77",
        approver.pk,
        "E2",
        "emma.stone@acme.example",
    )
    entry = OperationLog.objects.get(action="access.member.update")
    assert entry.target_id == str(emma.pk) and entry.details["changes"]["employeeNo"] == ["E1", "E2"]
    event = OutboxEvent.objects.get(type="member.updated")
    assert event.data["dingtalkUserId"] == "dt-77" and "manager" in event.data["changed"]

    again = admin_api.patch(f"{BASE}/{emma.user_id}", {"displayName": "Emma Stone"}, format="json")
    assert again.status_code == 200 and again.json()["changes"] == {}
    assert OperationLog.objects.filter(action="access.member.update").count() == 1

    cleared = admin_api.patch(
        f"{BASE}/{emma.user_id}", {"manager": None, "department": "", "roles": ["employee"]}, format="json"
    ).json()
    assert cleared["member"]["managerId"] is None and cleared["member"]["department"] == ""
    assert cleared["changes"]["rolesRemoved"] == [roles.IMPORTER]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"dingtalkUserId": "dt\x00x"}, 400, "MALFORMED_REQUEST"),
        ({"department": "a\x00"}, 400, "MALFORMED_REQUEST"),
        ({"displayName": "x" * 201}, 400, "VALIDATION_ERROR"),
        ({"dingtalkUserId": "9" * 65}, 400, "VALIDATION_ERROR"),
        ({"employeeNo": "E" * 65}, 400, "VALIDATION_ERROR"),
        ({"email": "not-an-email"}, 400, "VALIDATION_ERROR"),
        ({"manager": 999999}, 400, "MANAGER_NOT_FOUND"),
        ({"manager": "nobody"}, 400, "MANAGER_NOT_FOUND"),
        ({"manager": True}, 400, "VALIDATION_ERROR"),
        ({"manager": [1]}, 400, "VALIDATION_ERROR"),
        ({"manager": "self"}, 400, "MANAGER_IS_SELF"),
        ({"manager": "report"}, 400, "MANAGER_CYCLE"),
        ({"manager": "stranger"}, 400, "MANAGER_NOT_FOUND"),
        ({"roles": []}, 400, "VALIDATION_ERROR"),
        ({"roles": ["overlord"]}, 400, "UNKNOWN_ROLE"),
        ({"dingtalkUserId": "taken-id"}, 409, "DINGTALK_USER_ID_IN_USE"),
        ({"employeeNo": "E9"}, 409, "EMPLOYEE_NO_IN_USE"),
        ({}, 400, "VALIDATION_ERROR"),
        ([1], 400, "VALIDATION_ERROR"),
    ],
)
def test_bad_patches_are_refused_with_a_code_and_write_nothing(
    admin_api, make_member, other_org, payload, status, code
):
    emma = make_member("emma", employee_no="E1")
    report = make_member("rita", manager=emma)
    make_member("taken", employee_no="E9", external_id="taken-id")
    stranger = make_member("stranger", organization=other_org)
    if isinstance(payload, dict) and isinstance(payload.get("manager"), str):
        payload = {
            "manager": {"self": emma.pk, "report": report.pk, "stranger": stranger.pk}.get(
                payload["manager"], payload["manager"]
            )
        }
    before = snapshot()
    response = admin_api.patch(f"{BASE}/{emma.user_id}", payload, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert snapshot() == before
    assert not OperationLog.objects.filter(action="access.member.update", result="ok").exists()
    assert not OutboxEvent.objects.filter(type="member.updated").exists()


def test_a_failed_patch_is_recorded_as_failed(admin_api, make_member):
    emma = make_member("emma")
    admin_api.patch(f"{BASE}/{emma.user_id}", {"manager": 424242}, format="json")
    entry = OperationLog.objects.get(action="access.member.update")
    assert entry.result == "failed" and entry.details["code"] == "MANAGER_NOT_FOUND"


def test_another_organizations_member_is_not_found_and_unchanged(admin_api, make_member, other_org):
    stranger = make_member("stranger", organization=other_org, department="Sales")
    response = admin_api.patch(f"{BASE}/{stranger.user_id}", {"department": "Ours"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "MEMBER_NOT_FOUND"
    stranger.refresh_from_db()
    assert stranger.department == "Sales"


def test_patch_keeps_the_last_admin(admin_api, admin_member):
    response = admin_api.patch(f"{BASE}/{admin_member.user_id}", {"roles": ["employee"]}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "LAST_ADMIN"
    assert Membership.objects.get(pk=admin_member.pk).role_names == [roles.ADMIN]


def test_non_admins_cannot_patch(api_as, make_member):
    emma = make_member("emma")
    client = api_as(make_member("alan", roles.APPROVER))
    response = client.patch(f"{BASE}/{emma.user_id}", {"department": "X"}, format="json")
    assert response.status_code == 403
    assert OperationLog.objects.get(action="access.member.update").result == "denied"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"username": "ok", "dingtalkUserId": "taken-id"}, "DINGTALK_USER_ID_IN_USE"),
        ({"username": "ok", "dingtalkUserId": "a\x00b"}, "MALFORMED_REQUEST"),
        ({"username": "ok", "department": "d" * 201}, "VALIDATION_ERROR"),
        ({"username": "ok", "manager": 987654}, "MANAGER_NOT_FOUND"),
        ({"username": "ok", "manager": "stranger"}, "MANAGER_NOT_FOUND"),
        ({"username": "taken", "manager": "taken"}, "MANAGER_IS_SELF"),
    ],
)
def test_bad_provisioning_fields_are_refused(admin_api, make_member, other_org, payload, code):
    make_member("taken", external_id="taken-id")
    stranger = make_member("stranger", organization=other_org)
    if payload.get("manager") == "stranger":
        payload = {**payload, "manager": stranger.pk}
    before = snapshot()
    response = admin_api.post(BASE, payload, format="json")
    assert response.status_code in {400, 409} and response.json()["error"]["code"] == code
    assert snapshot() == before


# --- commands ------------------------------------------------------------------------------------------


def test_provision_user_takes_the_new_fields(org, admin_member, capsys):
    call_command(
        "provision_user",
        "--org=acme",
        "--username=wang",
        "--email=wang@acme.example",
        "--dingtalk-user-id=dt-1",
        "--department=Assembly",
        "--manager=boss",
        "--employee-no=E0300",
    )
    member = Membership.objects.get(user__username="wang")
    assert (member.external_id, member.department, member.manager_id, member.employee_no) == (
        "dt-1",
        "Assembly",
        admin_member.pk,
        "E0300",
    )
    assert "created: wang" in capsys.readouterr().out
    with pytest.raises(CommandError, match="DINGTALK_USER_ID_IN_USE"):
        call_command("provision_user", "--org=acme", "--username=li", "--dingtalk-user-id=dt-1")
    with pytest.raises(CommandError, match="VALIDATION_ERROR"):
        call_command("provision_user", "--org=acme", "--username=li", "--dingtalk-user-id=x\x00")
    with pytest.raises(CommandError, match="MANAGER_NOT_FOUND"):
        call_command("provision_user", "--org=acme", "--username=li", "--manager=ghost")
    assert not Membership.objects.filter(user__username="li").exists()


def test_provision_batch_reads_a_dingtalk_user_id_column(org, admin_member, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(
        "username,email,employee_no,name,roles,manager,department,dingtalk_user_id\n"
        "wang,wang@acme.example,E1,Wang Lei,employee,lead,Assembly,dt-wang\n"
        "lead,lead@acme.example,E2,Lead,approver,,Assembly,dt-lead\n"
        "dup,dup@acme.example,E3,Dup,employee,,,dt-wang\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="BATCH_REJECTED"):
        call_command("provision_batch", str(path), "--org=acme")
    out = capsys.readouterr().out
    assert "row 4 dup: error DINGTALK_USER_ID_IN_USE" in out
    wang = Membership.objects.get(user__username="wang")
    assert (wang.external_id, wang.manager.user.username) == ("dt-wang", "lead")
    assert Membership.objects.get(user__username="lead").external_id == "dt-lead"
    assert not Membership.objects.filter(user__username="dup").exists()
