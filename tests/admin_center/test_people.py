"""People in the Admin Center's User Access: add a person (invitation), edit their details, their page
with the month, leave balances and requests (from attendance through the member-panel hook), last sign-in
in the organization's timezone, English and Chinese."""

from datetime import UTC, date, datetime

import time_machine
from django.conf import settings
from django.core import mail

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.models import DailyRecord, LeaveLedgerEntry
from apps.audit.models import OperationLog
from tests.factories import LeaveRequestFactory, LeaveTypeFactory

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, the organization's timezone


def _log(action):
    return OperationLog.objects.filter(action=action)


def test_adding_a_person_sends_an_invitation_and_opens_their_page(
    admin, admin_client, django_capture_on_commit_callbacks
):
    form = admin_client.get("/admin-center/users/new/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "DingTalk UserId" in page and "External id" not in page and "external_id" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin-center/users/new/",
            {
                "username": "wang.lei",
                "email": "wang.lei@acme.example",
                "name": "Wang Lei",
                "employee_no": "E0500",
                "dingtalk_user_id": "dt-0500",
                "department": "Assembly",
                "manager": str(admin.pk),
                "roles": [roles.EMPLOYEE, roles.APPROVER],
                "invite": "1",
            },
            follow=True,
        )
    member = Membership.objects.get(user__username="wang.lei")
    assert response.redirect_chain[-1][0] == f"/admin-center/users/{member.user_id}/"
    assert "Wang Lei was added and invited by e-mail." in response.content.decode()
    assert (member.external_id, member.employee_no, member.department, member.manager_id) == (
        "dt-0500",
        "E0500",
        "Assembly",
        admin.pk,
    )
    assert set(member.role_names) == {roles.EMPLOYEE, roles.APPROVER}
    assert [message.to for message in mail.outbox] == [["wang.lei@acme.example"]]
    assert _log("access.member.create").count() == 1 and _log("access.member.invite").count() == 1


def test_a_refused_new_person_keeps_what_was_typed_and_writes_nothing(admin_client, make_member):
    make_member("taken", external_id="dt-1")
    members = Membership.objects.count()
    response = admin_client.post(
        "/admin-center/users/new/",
        {"username": "newbie", "email": "newbie@acme.example", "dingtalk_user_id": "dt-1", "invite": "1"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "DingTalk UserId dt-1 belongs to another member." in page
    assert 'value="newbie@acme.example"' in page
    assert "DINGTALK_USER_ID_IN_USE" not in page and "dingtalkUserId" not in page
    assert Membership.objects.count() == members and not mail.outbox

    bad = admin_client.post("/admin-center/users/new/", {"username": "bad name!", "department": "x" * 201})
    assert bad.status_code == 400
    assert "Letters, digits and @ . + - _ only." in bad.content.decode()
    assert Membership.objects.count() == members


def test_editing_a_person_changes_only_what_changed_in_one_entry(admin, admin_client, make_member):
    alan = make_member("alan", roles.APPROVER, display_name="Alan Approver")
    emma = make_member("emma", display_name="Emma", employee_no="E1", department="Assembly")
    url = f"/admin-center/users/{emma.user_id}/edit/"
    page = admin_client.get(f"/admin-center/users/{emma.user_id}/").content.decode()
    assert f'<option value="{alan.pk}">Alan Approver · {alan.employee_no}</option>' in page
    assert f'<option value="{emma.pk}"' not in page  # not their own manager
    response = admin_client.post(
        url,
        {
            "name": "Emma Stone",
            "email": emma.user.email,
            "employee_no": "E1",
            "dingtalk_user_id": "dt-emma",
            "department": "Assembly",
            "manager": str(alan.pk),
        },
        follow=True,
    )
    assert "Saved." in response.content.decode()
    emma.refresh_from_db()
    assert (emma.display_name, emma.external_id, emma.manager_id) == ("Emma Stone", "dt-emma", alan.pk)
    entry = _log("access.member.update").get()
    assert set(entry.details["changes"]) == {"displayName", "dingtalkUserId", "manager"}
    unchanged = admin_client.post(url, {**_values(emma)}, follow=True)
    assert "Nothing changed." in unchanged.content.decode()
    assert _log("access.member.update").count() == 1


def _values(member):
    member.refresh_from_db()
    return {
        "name": member.display_name,
        "email": member.user.email,
        "employee_no": member.employee_no,
        "dingtalk_user_id": member.external_id,
        "department": member.department,
        "manager": str(member.manager_id or ""),
    }


def test_a_refused_edit_shows_the_reason_and_changes_nothing(admin_client, make_member, other_org):
    emma = make_member("emma", employee_no="E1")
    report = make_member("rita", manager=emma)
    make_member("frank", employee_no="E2")
    stranger = make_member("stranger", organization=other_org)
    url = f"/admin-center/users/{emma.user_id}/edit/"
    for change, status, text in (
        ({"employee_no": "E2"}, 409, "Employee number E2 belongs to another member."),
        ({"manager": str(stranger.pk)}, 400, "No single active member of Acme"),
        ({"manager": str(report.pk)}, 400, "reports to"),
        ({"dingtalk_user_id": "d" * 65}, 400, "At most 64 characters."),
        ({"dingtalk_user_id": "a\x00b"}, 400, "Must not contain NUL characters."),
        ({"email": "not-an-email"}, 400, "Not a valid e-mail address."),
    ):
        before = _values(emma)
        response = admin_client.post(url, {**before, **change})
        assert response.status_code == status, change
        assert text in response.content.decode()
        assert _values(emma) == before
    assert not _log("access.member.update").filter(result="ok").exists()


def test_another_organizations_member_has_no_page_here(admin_client, make_member, other_org):
    stranger = make_member("stranger", organization=other_org, department="Sales")
    assert admin_client.get(f"/admin-center/users/{stranger.user_id}/").status_code == 404
    response = admin_client.post(f"/admin-center/users/{stranger.user_id}/edit/", {"department": "Ours"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.department == "Sales"


def test_deactivate_and_reactivate_from_the_page(admin_client, make_member):
    emma = make_member("emma")
    url = f"/admin-center/users/{emma.user_id}/"
    admin_client.post(url, {"action": "deactivate"})
    assert not Membership.objects.get(pk=emma.pk).is_active
    assert 'data-testid="member-deactivated"' in admin_client.get(url).content.decode()
    admin_client.post(url, {"action": "reactivate"})
    assert Membership.objects.get(pk=emma.pk).is_active


@time_machine.travel(NOW, tick=False)
def test_the_person_page_shows_their_month_balances_and_requests(admin_client, make_member, org):
    emma = make_member("emma", display_name="Emma")
    DailyRecord.objects.create(
        organization=org,
        member=emma,
        work_date=date(2026, 3, 2),
        first_in_at=datetime(2026, 3, 2, 1, 20, tzinfo=UTC),
        last_out_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        worked_minutes=460,
        late_minutes=20,
        status=DailyRecord.Status.LATE,
    )
    annual = LeaveTypeFactory(organization=org, code="annual", name="Annual leave")
    LeaveLedgerEntry.objects.create(
        organization=org,
        member=emma,
        leave_type=annual,
        kind="accrual",
        amount=10,
        effective_date=date(2026, 1, 1),
    )
    request = LeaveRequestFactory(
        member=emma, leave_type=annual, start_date="2026-03-12", end_date="2026-03-12", amount=1
    )
    page = admin_client.get(f"/admin-center/users/{emma.user_id}/", {"month": "2026-03"}).content.decode()
    assert 'data-testid="panel-attendance"' in page and "attendance/attendance.css" in page
    assert 'data-testid="day-2026-03-02"' in page and "status-late" in page
    assert "09:20\u201318:00" in page  # the punches in Shanghai time (an en dash between)
    assert 'data-testid="balance-annual"' in page and "Annual leave" in page
    assert f'data-testid="request-leave-{request.pk}"' in page
    other_month = admin_client.get(f"/admin-center/users/{emma.user_id}/", {"month": "2026-02"}).content
    assert b'data-testid="day-2026-03-02"' not in other_month


def test_last_sign_in_is_in_the_organizations_timezone(admin_client, make_member):
    emma = make_member("emma")
    emma.user.last_login = datetime(2026, 3, 3, 1, 5, tzinfo=UTC)
    emma.user.save(update_fields=["last_login"])
    page = admin_client.get(f"/admin-center/users/{emma.user_id}/").content.decode()
    assert "9:05" in page and "Asia/Shanghai" in page  # 01:05 UTC
    never = make_member("newbie")
    assert "Never" in admin_client.get(f"/admin-center/users/{never.user_id}/").content.decode()


def test_the_pages_speak_chinese_and_show_no_codes(admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE, roles.IMPORTER)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    detail = admin_client.get(f"/admin-center/users/{emma.user_id}/").content.decode()
    assert "钉钉 UserId" in detail and "导入员" in detail
    assert ">attendance_importer<" not in detail and ">attendance_" not in detail
    listing = admin_client.get("/admin-center/users/").content.decode()
    assert "添加人员" in listing
    assert ">importer<" not in listing and ">attendance_importer<" not in listing
    new = admin_client.get("/admin-center/users/new/").content.decode()
    assert "钉钉 UserId" in new


def test_the_django_admin_names_the_dingtalk_user_id(admin_client, make_member, django_user_model):
    emma = make_member("emma", external_id="dt-1")
    root = django_user_model.objects.create_superuser("root", "root@example.test", "pw-Root-12345")
    admin_client.force_login(root)
    page = admin_client.get(f"/django-admin/access/membership/{emma.pk}/change/").content.decode()
    assert "DingTalk UserId" in page and "External id" not in page


def test_adding_another_organizations_account_on_the_page_reads_as_a_new_person(
    admin, admin_client, make_member, other_org
):
    stranger = make_member("hans", organization=other_org)
    stranger.user.first_name, stranger.user.email = "Hans Geheim", "hans@globex.example"
    stranger.user.save()
    response = admin_client.post(
        "/admin-center/users/new/",
        {"username": "hans", "email": "h@acme.example", "roles": [roles.EMPLOYEE], "invite": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert "hans was added and invited by e-mail." in page
    assert 'data-testid="member-invited"' in page and "h@acme.example" in page
    assert "Geheim" not in page and "hans@globex.example" not in page
    assert Membership.objects.get(user=stranger.user, organization=admin.organization).invitation_pending
    listing = admin_client.get("/admin-center/users/", {"q": "hans"}).content.decode()
    assert 'data-testid="member-invited"' in listing and "hans@globex.example" not in listing
