"""The four roles exist with their permission sets, even after a test database is flushed."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.access.roles import ROLE_PERMISSIONS


def _role_table() -> dict[str, set[str]]:
    return {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=ROLE_PERMISSIONS)
    }


@pytest.mark.django_db
def test_roles_have_exactly_their_permission_sets():
    assert _role_table() == {role: set(codenames) for role, codenames in ROLE_PERMISSIONS.items()}


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_its_roles_back():
    call_command("flush", "--noinput", verbosity=0)
    assert _role_table() == {role: set(codenames) for role, codenames in ROLE_PERMISSIONS.items()}


@pytest.mark.django_db
def test_a_tampered_role_is_repaired_by_migrate():
    Group.objects.get(name="attendance_employee").permissions.clear()
    call_command("migrate", verbosity=0)
    assert _role_table()["attendance_employee"] == {"attendance_read", "attendance_write"}
