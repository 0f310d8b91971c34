"""Writes through /django-admin/ are audited like any other, and the data whose rules live in services
(an organization's settings and timezone, a member's roles and activation) is shown there, not edited."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from apps.access import roles
from apps.access.admin_site import AuditedAdminMixin
from apps.access.models import Organization
from apps.attendance.models import Holiday
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, make_member):
    member = make_member("root", roles.ADMIN)
    member.user.is_staff = member.user.is_superuser = True
    member.user.save()
    client.force_login(member.user)
    return client, member


def test_every_model_in_the_django_admin_is_audited():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert unaudited == []
    assert get_user_model() in admin.site._registry


def test_adding_changing_and_deleting_a_holiday_each_leave_an_entry_in_its_organizations_chain(
    superuser_client, org
):
    client, member = superuser_client
    add = client.post(
        "/django-admin/attendance/holiday/add/",
        {"organization": org.pk, "date": "2026-10-01", "name": "National Day", "kind": "holiday"},
    )
    assert add.status_code == 302, add.content[:2000]
    holiday = Holiday.objects.get()
    change = client.post(
        f"/django-admin/attendance/holiday/{holiday.pk}/change/",
        {"organization": org.pk, "date": "2026-10-02", "name": "National Day", "kind": "holiday"},
    )
    assert change.status_code == 302
    delete = client.post(
        "/django-admin/attendance/holiday/",
        {"action": "delete_selected", "_selected_action": [holiday.pk], "post": "yes"},
    )
    assert delete.status_code == 302 and not Holiday.objects.exists()

    entries = list(OperationLog.objects.filter(action__startswith="django_admin.").order_by("id"))
    assert [entry.action for entry in entries] == [
        "django_admin.add",
        "django_admin.change",
        "django_admin.delete",
    ]
    assert {entry.organization_id for entry in entries} == {org.pk}
    assert {entry.actor_id for entry in entries} == {member.user.pk}
    assert {entry.target_type for entry in entries} == {"attendance.holiday"}
    assert entries[1].details["fields"] == ["Date"]


def test_an_organizations_settings_and_timezone_cannot_be_edited_in_the_django_admin(superuser_client, org):
    client, _ = superuser_client
    org.settings = {"ipAllowlist": ["10.0.0.0/8"]}
    org.save()
    response = client.post(
        f"/django-admin/access/organization/{org.pk}/change/",
        {
            "name": "Acme Ltd",
            "slug": "acme",
            "timezone": "UTC",
            "settings": '{"ipAllowlist": ["0.0.0.0/0"]}',
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Acme Ltd"
    assert org.timezone == "Asia/Shanghai" and org.settings == {"ipAllowlist": ["10.0.0.0/8"]}
    entry = OperationLog.objects.get(action="django_admin.change")
    assert entry.organization_id == org.pk and entry.target_id == str(org.pk)


def test_roles_and_activation_are_read_only_on_a_membership(superuser_client, make_member):
    client, _ = superuser_client
    emma = make_member("emma", roles.EMPLOYEE)
    page = client.get(f"/django-admin/access/membership/{emma.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "roles" not in form.fields and "is_active" not in form.fields


def test_a_user_added_in_the_django_admin_is_audited_without_an_organization(superuser_client):
    client, member = superuser_client
    response = client.post(
        "/django-admin/auth/user/add/",
        {
            "username": "newcomer",
            "password1": "A-long-pass-9183",
            "password2": "A-long-pass-9183",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    entry = OperationLog.objects.get(action="django_admin.add")
    assert entry.target_type == "auth.user" and entry.organization_id is None
    assert entry.actor_id == member.user.pk


def test_organization_add_is_audited_in_the_new_organizations_chain(superuser_client):
    client, _ = superuser_client
    response = client.post(
        "/django-admin/access/organization/add/",
        {"name": "Initech", "slug": "initech", "timezone": "Europe/Paris", "settings": "{}"},
    )
    assert response.status_code == 302, response.content[:2000]
    initech = Organization.objects.get(slug="initech")
    assert OperationLog.objects.get(action="django_admin.add").organization_id == initech.pk
