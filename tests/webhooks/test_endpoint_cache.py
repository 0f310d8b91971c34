"""Which endpoints want an event is cached per organization (apps/audit/webhooks/events.py): an endpoint
registered, switched off or deleted counts from the very next event, with the cache warm."""

import pytest

from apps.access import roles
from apps.audit.models import WebhookDelivery
from tests.attendance.conftest import client_for, post_punch

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/webhooks"


def punch(member) -> None:
    response = post_punch(client_for(member), None, "in")
    assert response.status_code == 201, response.json()


def test_an_endpoint_counts_from_the_next_event_and_stops_when_switched_off_or_deleted(
    admin_api, make_member, receiver
):
    emma, wang, olga, sam = (make_member(name, roles.EMPLOYEE) for name in ("emma", "wang", "olga", "sam"))
    punch(emma)  # warms: no endpoint
    response = admin_api.post(BASE, {"url": receiver.url, "events": ["punch.created"]}, format="json")
    assert response.status_code == 201, response.json()
    endpoint_id = response.json()["id"]
    punch(wang)
    assert WebhookDelivery.objects.filter(endpoint_id=endpoint_id).count() == 1
    response = admin_api.patch(f"{BASE}/{endpoint_id}", {"isActive": False}, format="json")
    assert response.status_code == 200, response.json()
    punch(olga)
    assert WebhookDelivery.objects.filter(endpoint_id=endpoint_id).count() == 1
    assert admin_api.patch(f"{BASE}/{endpoint_id}", {"isActive": True}, format="json").status_code == 200
    assert admin_api.delete(f"{BASE}/{endpoint_id}").status_code == 204
    punch(sam)
    assert WebhookDelivery.objects.count() == 0  # the endpoint's deliveries went with it
