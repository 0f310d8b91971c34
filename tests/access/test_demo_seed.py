"""`manage.py demo_seed`: the demo organization and its logins, safe to run again, refused in production."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from apps.access import hooks, roles
from apps.access.models import Membership, Organization

pytestmark = pytest.mark.django_db

User = get_user_model()
EMPLOYEES = ["employee", "wang.lei", "li.na", "sam.night"]


def seed() -> str:
    out = StringIO()
    call_command("demo_seed", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Everything the command writes, in a form two runs can be compared by."""
    return {
        "organizations": list(Organization.objects.values_list("slug", "name", "timezone")),
        "users": list(User.objects.order_by("username").values_list("username", "password", "is_staff")),
        "memberships": sorted(
            (
                m.user.username,
                m.employee_no,
                m.department,
                m.manager.user.username if m.manager else None,
                m.is_active,
            )
            for m in Membership.objects.select_related("user", "manager__user")
        ),
        "roles": sorted(
            Membership.roles.through.objects.values_list("membership__user__username", "group__name")
        ),
    }


def test_it_creates_acme_with_the_four_roles_and_a_team_reporting_to_the_approver():
    seed()

    acme = Organization.objects.get(slug="acme")
    members = {
        m.user.username: m for m in Membership.objects.for_org(acme).select_related("user", "manager__user")
    }
    assert set(members) >= {"admin", "approver", "importer", *EMPLOYEES}
    assert members["admin"].role_names == [roles.ADMIN]
    assert members["approver"].role_names == [roles.APPROVER]
    assert members["importer"].role_names == [roles.IMPORTER]
    for username in EMPLOYEES:
        assert members[username].role_names == [roles.EMPLOYEE]
        assert members[username].manager == members["approver"]
    assert members["approver"].can(roles.APPROVE) and not members["employee"].can(roles.APPROVE)
    assert acme.timezone == "Asia/Shanghai"


def test_every_demo_user_signs_in_with_the_demo_password():
    seed()

    for username in ["admin", "approver", "importer", *EMPLOYEES]:
        assert User.objects.get(username=username).check_password("demo12345")
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]


def test_it_prints_every_login_with_the_password():
    out = seed()

    assert "Demo organization 'acme' is ready" in out
    for username in ["admin", "approver", "importer", *EMPLOYEES]:
        assert f"  {username:<10} / demo12345" in out


def test_running_it_twice_gives_the_same_data():
    seed()
    first = snapshot()

    seed()

    assert snapshot() == first
    assert Membership.objects.count() == len(first["memberships"]) == 7


def test_running_it_again_repairs_a_changed_demo_member_but_keeps_a_changed_password():
    seed()
    employee = Membership.objects.get(user__username="employee")
    employee.manager = None
    employee.is_active = False
    employee.save()
    employee.roles.set(Group.objects.filter(name=roles.ADMIN))
    employee.user.set_password("my-own-password")
    employee.user.save()

    seed()

    employee = Membership.objects.select_related("manager__user", "user").get(user__username="employee")
    assert (employee.manager.user.username, employee.is_active, employee.role_names) == (
        "approver",
        True,
        [roles.EMPLOYEE],
    )
    assert employee.user.check_password("my-own-password")


def test_it_refuses_outside_development_and_writes_nothing(settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="only loaded in development"):
        seed()

    assert not Organization.objects.exists()
    assert not User.objects.exists()
    assert not Membership.objects.exists()


def test_it_refuses_without_the_role_groups_and_writes_nothing():
    Group.objects.filter(name=roles.APPROVER).delete()

    with pytest.raises(CommandError, match=r"run `manage\.py migrate` first"):
        seed()

    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_higher_apps_add_their_demo_data_through_the_hook_on_every_run(monkeypatch):
    calls = []
    monkeypatch.setattr(hooks, "_demo_seeders", [])
    hooks.register_demo_seeder(lambda **kwargs: calls.append(kwargs))

    seed()
    seed()

    assert len(calls) == 2
    assert calls[0]["organization"].slug == "acme"
    assert set(calls[0]["memberships"]) == {"admin", "approver", "importer", *EMPLOYEES}


def test_a_failing_seeder_leaves_no_half_seeded_demo(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("shift table missing")

    monkeypatch.setattr(hooks, "_demo_seeders", [broken])

    with pytest.raises(RuntimeError):
        seed()

    assert not Organization.objects.exists()
    assert not Membership.objects.exists()
