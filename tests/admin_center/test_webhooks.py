"""Admin Center webhook pages: register (the secret shown once), change, see deliveries, replay dead letters."""

import pytest
from django.conf import settings

from apps.access import roles
from apps.audit.models import OperationLog, WebhookDelivery, WebhookEndpoint
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db
HOME = "/admin-center/webhooks/"


@pytest.fixture(autouse=True)
def _private_targets_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Replays queue deliveries; here nothing listens, so the queueing is recorded instead."""
    queued = []
    from apps.audit import tasks

    monkeypatch.setattr(tasks.webhook_deliver, "delay", lambda **kwargs: queued.append(kwargs))
    return queued


def register(client, **values):
    data = {"url": "http://127.0.0.1:9/hook", "events": ["punch.created", "leave.decided"], "is_active": "1"}
    return client.post(HOME, {**data, **values})


def test_registering_shows_the_secret_once_then_never_again(admin, admin_client):
    response = register(admin_client, description="HR system")
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{HOME}{endpoint.pk}/"
    assert (endpoint.url, endpoint.events, endpoint.is_active, endpoint.description) == (
        "http://127.0.0.1:9/hook",
        ["leave.decided", "punch.created"],
        True,
        "HR system",
    )
    first = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret in first and 'data-testid="webhook-secret"' in first
    again = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret not in again and 'data-testid="webhook-secret"' not in again
    assert OperationLog.objects.filter(action="audit.webhook.create").count() == 1
    assert endpoint.secret not in str(OperationLog.objects.values_list("details", flat=True))
    listing = admin_client.get(HOME).content.decode()
    assert "http://127.0.0.1:9/hook" in listing and "HR system" in listing


def test_a_refused_registration_says_why_and_writes_nothing(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = register(admin_client)
    assert response.status_code == 400
    assert "private, loopback or link-local" in response.content.decode()
    no_events = register(admin_client, events=[], url="https://93.184.216.34/hook")
    assert no_events.status_code == 400 and "Choose at least one event type" in no_events.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_settings_change_and_pause(admin, admin_client):
    endpoint = WebhookEndpointFactory(organization=admin.organization, events=["punch.created"])
    response = admin_client.post(
        f"{HOME}{endpoint.pk}/",
        {"url": "http://127.0.0.1:9/other", "events": ["member.created", "member.deactivated"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        "http://127.0.0.1:9/other",
        ["member.created", "member.deactivated"],
        False,
    )
    page = admin_client.get(f"{HOME}{endpoint.pk}/").content.decode()
    assert 'data-testid="webhook-paused"' in page
    bad = admin_client.post(f"{HOME}{endpoint.pk}/", {"url": "ftp://x", "events": ["member.created"]})
    assert bad.status_code == 400 and "http:// or https://" in bad.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/other"


def test_deliveries_show_status_attempts_and_the_last_answer(admin, admin_client):
    endpoint = WebhookEndpointFactory(organization=admin.organization)
    WebhookDeliveryFactory(
        organization=admin.organization,
        endpoint=endpoint,
        status="dead",
        attempts=8,
        last_status_code=503,
        last_response="receiver down for maintenance",
    )
    WebhookDeliveryFactory(organization=admin.organization, endpoint=endpoint, status="succeeded", attempts=1)
    page = admin_client.get(f"{HOME}{endpoint.pk}/").content.decode()
    assert page.count('data-testid="delivery-row"') == 2
    assert "HTTP 503" in page and "receiver down for maintenance" in page
    assert "Dead letter" in page and "Delivered" in page
    assert page.count('data-testid="delivery-replay"') == 1  # only the dead letter
    dead_only = admin_client.get(f"{HOME}{endpoint.pk}/", {"status": "dead"}).content.decode()
    assert dead_only.count('data-testid="delivery-row"') == 1
    listing = admin_client.get(HOME).content.decode()
    assert 'data-testid="webhook-dead">1<' in listing


def test_replaying_one_and_all_dead_letters(admin, admin_client, queued, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(organization=admin.organization)
    one, two = (
        WebhookDeliveryFactory(organization=admin.organization, endpoint=endpoint, status="dead", attempts=8)
        for _ in range(2)
    )
    delivered = WebhookDeliveryFactory(organization=admin.organization, endpoint=endpoint, status="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{HOME}deliveries/{one.pk}/replay/", follow=True)
    assert "being sent again" in response.content.decode()
    one.refresh_from_db()
    assert (one.status, one.attempts, one.replays) == ("pending", 0, 1)
    refused = admin_client.post(f"{HOME}deliveries/{delivered.pk}/replay/", follow=True)
    assert "Only a dead letter can be sent again" in refused.content.decode()
    assert WebhookDelivery.objects.get(pk=delivered.pk).status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{HOME}{endpoint.pk}/replay-dead/", follow=True)
    assert "1 dead letters are being sent again" in response.content.decode()
    two.refresh_from_db()
    assert two.status == "pending"
    assert [q["delivery_id"] for q in queued] == [one.pk, two.pk]
    assert OperationLog.objects.filter(action__startswith="audit.webhook.replay").count() == 2


def test_removing_a_webhook(admin, admin_client):
    endpoint = WebhookEndpointFactory(organization=admin.organization)
    assert admin_client.post(f"{HOME}{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_another_organizations_webhook_and_its_deliveries_are_404(admin_client, other_org):
    endpoint = WebhookEndpointFactory(organization=other_org)
    delivery = WebhookDeliveryFactory(organization=other_org, endpoint=endpoint, status="dead")
    assert admin_client.get(f"{HOME}{endpoint.pk}/").status_code == 404
    assert admin_client.post(f"{HOME}{endpoint.pk}/replay-dead/").status_code == 404
    assert admin_client.post(f"{HOME}deliveries/{delivery.pk}/replay/").status_code == 404
    assert admin_client.post(f"{HOME}{endpoint.pk}/delete/").status_code == 404
    assert WebhookDelivery.objects.get().status == "dead"


def test_only_admins_get_in(make_member, client_as):
    employee = client_as(make_member("emma", roles.EMPLOYEE))
    assert employee.get(HOME).status_code == 403
    assert register(employee).status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_the_tab_and_the_pages_in_chinese(admin, admin_client):
    endpoint = WebhookEndpointFactory(organization=admin.organization)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    home = admin_client.get("/admin-center/").content.decode()
    assert 'href="/admin-center/webhooks/"' in home
    listing = admin_client.get(HOME).content.decode()
    detail = admin_client.get(f"{HOME}{endpoint.pk}/").content.decode()
    assert "注册" in listing and "打卡" in listing
    assert "投递" in detail and "死信" in detail
