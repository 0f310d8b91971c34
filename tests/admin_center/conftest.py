import pytest
from django.test import Client

from apps.access import roles


@pytest.fixture
def admin(make_member):
    return make_member("boss", roles.ADMIN, display_name="Bo Boss", employee_no="E001")


@pytest.fixture
def client_as():
    def login(membership):
        client = Client()
        client.force_login(membership.user)
        return client

    return login


@pytest.fixture
def admin_client(admin, client_as):
    return client_as(admin)
