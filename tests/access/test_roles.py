"""The four roles exist with exactly their permission sets (created by the data migration)."""

import pytest
from django.contrib.auth.models import Group

from apps.access.roles import ROLE_PERMISSIONS


@pytest.mark.django_db
def test_roles_have_exactly_their_permission_sets():
    table = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=ROLE_PERMISSIONS)
    }
    assert table == {role: set(codenames) for role, codenames in ROLE_PERMISSIONS.items()}


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_still_starts_with_the_roles():
    # tests/conftest.py gives every transactional test serialized rollback, so the rows the migrations
    # made (roles above all) are there even after an earlier transactional test flushed the database.
    assert Group.objects.filter(name__in=ROLE_PERMISSIONS).count() == len(ROLE_PERMISSIONS)
