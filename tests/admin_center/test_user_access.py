from django.core.files.uploadedfile import SimpleUploadedFile

from apps.access import roles
from apps.access.models import Membership
from apps.audit.models import OperationLog


def _log(org, action):
    return OperationLog.objects.filter(organization=org, action=action)


def test_search_finds_by_employee_number_and_name(admin_client, make_member):
    make_member("emma", roles.EMPLOYEE, employee_no="E777", display_name="Emma Stone")
    make_member("frank", roles.EMPLOYEE, employee_no="E888")
    response = admin_client.get("/admin-center/users/", {"q": "E777"})
    assert [m.user.username for m in response.context["page"]] == ["emma"]
    response = admin_client.get("/admin-center/users/", {"q": "stone"})
    assert [m.user.username for m in response.context["page"]] == ["emma"]


def test_live_search_answers_the_results_table_only(admin_client, make_member):
    make_member("emma", roles.EMPLOYEE)
    response = admin_client.get(
        "/admin-center/users/", {"q": "emma"}, headers={"HX-Request": "true", "HX-Target": "user-results"}
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'data-testid="user-row"' in response.content


def test_the_user_list_query_count_does_not_grow_with_members(
    admin_client, make_member, django_assert_max_num_queries
):
    for n in range(30):
        make_member(f"user{n}", roles.EMPLOYEE, employee_no=f"N{n:03}")
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin-center/users/")
    assert len(response.context["page"].object_list) == 25


def test_toggling_a_role_on_and_off(admin, admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    url = f"/admin-center/users/{emma.user_id}/"
    response = admin_client.post(url, {"action": "assign", "role": roles.APPROVER}, follow=True)
    assert roles.APPROVER in Membership.objects.get(pk=emma.pk).role_names
    assert "Approver role given." in response.content.decode()
    admin_client.post(url, {"action": "unassign", "role": roles.APPROVER})
    assert Membership.objects.get(pk=emma.pk).role_names == [roles.EMPLOYEE]


def test_assigning_twice_changes_nothing_more(admin, admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    url = f"/admin-center/users/{emma.user_id}/"
    admin_client.post(url, {"action": "assign", "role": roles.APPROVER})
    response = admin_client.post(url, {"action": "assign", "role": roles.APPROVER}, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert _log(admin.organization, "access.role.assign").count() == 1


def test_removing_the_last_admin_is_refused_on_the_page(admin, admin_client):
    url = f"/admin-center/users/{admin.user_id}/"
    response = admin_client.post(url, {"action": "unassign", "role": roles.ADMIN}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages and "admin" in messages[0].lower()
    assert roles.ADMIN in Membership.objects.get(pk=admin.pk).role_names


def test_an_unknown_role_shows_a_message_and_writes_nothing(admin, admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    response = admin_client.post(
        f"/admin-center/users/{emma.user_id}/", {"action": "assign", "role": "root"}, follow=True
    )
    assert "Choose one of the roles." in response.content.decode()
    assert Membership.objects.get(pk=emma.pk).role_names == [roles.EMPLOYEE]


def test_another_organizations_member_is_404(admin_client, make_member, other_org):
    stranger = make_member("stranger", roles.EMPLOYEE, organization=other_org)
    url = f"/admin-center/users/{stranger.user_id}/"
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"action": "deactivate"}).status_code == 404
    assert Membership.objects.get(pk=stranger.pk).is_active


def test_deactivate_then_reactivate(admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    url = f"/admin-center/users/{emma.user_id}/"
    admin_client.post(url, {"action": "deactivate"})
    assert not Membership.objects.get(pk=emma.pk).is_active
    response = admin_client.post(url, {"action": "deactivate"}, follow=True)  # a retry
    assert "Already deactivated." in response.content.decode()
    admin_client.post(url, {"action": "reactivate"})
    assert Membership.objects.get(pk=emma.pk).is_active


def test_batch_reports_each_row_with_the_unknown_one(admin, admin_client, make_member):
    make_member("emma", roles.EMPLOYEE)
    make_member("frank", roles.APPROVER)
    response = admin_client.post(
        "/admin-center/users/batch/",
        {"users": "emma\nfrank\nnobody\n", "roles": [roles.APPROVER], "operation": "assign"},
    )
    assert response.status_code == 200
    statuses = [(item["user"], item["status"]) for item in response.context["items"]]
    assert statuses == [("emma", "changed"), ("frank", "unchanged"), ("nobody", "not_found")]
    assert roles.APPROVER in Membership.objects.get(user__username="emma").role_names


def test_an_all_or_nothing_batch_with_an_unknown_user_changes_nobody(admin_client, make_member):
    make_member("emma", roles.EMPLOYEE)
    response = admin_client.post(
        "/admin-center/users/batch/",
        {"users": "emma\nnobody", "roles": [roles.APPROVER], "operation": "assign", "atomic": "1"},
    )
    assert response.status_code == 422
    assert "Nothing was changed" in response.context["error"]
    assert [item["user"] for item in response.context["items"]] == ["nobody"]
    assert Membership.objects.get(user__username="emma").role_names == [roles.EMPLOYEE]


def test_a_batch_from_a_csv_file_skips_the_header(admin_client, make_member):
    make_member("emma", roles.EMPLOYEE, employee_no="E5")
    upload = SimpleUploadedFile(
        "people.csv", b"\xef\xbb\xbfusername,name\nE5,Emma\n", content_type="text/csv"
    )
    response = admin_client.post(
        "/admin-center/users/batch/", {"file": upload, "roles": [roles.IMPORTER], "operation": "assign"}
    )
    assert [item["status"] for item in response.context["items"]] == ["changed"]


def test_a_batch_without_users_or_roles_is_refused_and_writes_nothing(admin, admin_client, make_member):
    make_member("emma", roles.EMPLOYEE)
    before = OperationLog.objects.count()
    response = admin_client.post("/admin-center/users/batch/", {"users": "", "roles": [roles.ADMIN]})
    assert response.status_code == 400
    response = admin_client.post("/admin-center/users/batch/", {"users": "emma"})
    assert response.status_code == 400
    assert "Choose at least one role." in response.content.decode()
    assert OperationLog.objects.count() == before


def test_repeating_a_batch_changes_nothing_more(admin, admin_client, make_member):
    make_member("emma", roles.EMPLOYEE)
    data = {"users": "emma", "roles": [roles.APPROVER], "operation": "assign"}
    admin_client.post("/admin-center/users/batch/", data)
    response = admin_client.post("/admin-center/users/batch/", data)
    assert [item["status"] for item in response.context["items"]] == ["unchanged"]
    assert _log(admin.organization, "access.role.batch_assign").count() == 1
