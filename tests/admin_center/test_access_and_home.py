from apps.access import roles
from apps.audit.models import OperationLog

PAGES = [
    "/admin-center/",
    "/admin-center/users/",
    "/admin-center/users/batch/",
    "/admin-center/audit/",
    "/admin-center/audit/chain/",
    "/admin-center/settings/",
]


def test_every_page_opens_for_an_admin(admin_client):
    for url in PAGES:
        response = admin_client.get(url)
        assert response.status_code == 200, url


def test_an_employee_gets_the_403_page_everywhere(make_member, client_as):
    client = client_as(make_member("emma", roles.EMPLOYEE))
    for url in PAGES:
        assert client.get(url).status_code == 403, url


def test_an_importer_is_sent_to_the_import_center(make_member, client_as):
    client = client_as(make_member("ivy", roles.IMPORTER))
    response = client.get("/admin-center/")
    assert response.status_code == 302
    assert response["Location"] == "/import-center/"


def test_an_importer_cannot_post_to_an_admin_page_and_nothing_changes(make_member, client_as):
    emma = make_member("emma", roles.EMPLOYEE)
    client = client_as(make_member("ivy", roles.IMPORTER))
    response = client.post(f"/admin-center/users/{emma.user_id}/", {"action": "assign", "role": roles.ADMIN})
    assert response.status_code == 403
    emma.refresh_from_db()
    assert emma.role_names == [roles.EMPLOYEE]


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin-center/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_shows_members_admins_and_todays_entries(admin, admin_client, make_member):
    make_member("emma", roles.EMPLOYEE)
    make_member("gone", roles.EMPLOYEE, is_active=False)
    before = OperationLog.objects.filter(organization=admin.organization).count()
    response = admin_client.get("/admin-center/")
    figures = response.context["figures"]
    assert figures == {"members": 2, "admins": 1, "entries_today": before}
    assert b"/import-center/" in response.content
