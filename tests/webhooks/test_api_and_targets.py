"""The admin API: register (secret shown once), change, list deliveries, replay dead letters; SSRF
refusals of private, loopback and link-local targets unless the setting allows them."""

import socket

import pytest

from apps.access import provisioning
from apps.audit.models import OperationLog, WebhookDelivery, WebhookEndpoint
from apps.audit.webhooks.delivery import delivery_attempt

pytestmark = pytest.mark.django_db
BASE = "/api/attendance-admin/webhooks"


def register(api, url, events=("member.created",), **extra):
    return api.post(BASE, {"url": url, "events": list(events), **extra}, format="json")


def test_registering_shows_the_secret_once_and_is_audited(admin_api, receiver):
    response = register(admin_api, receiver.url, description="HR sync")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert (body["url"], body["events"], body["isActive"]) == (receiver.url, ["member.created"], True)
    listed = admin_api.get(BASE).json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0] and "secret" not in admin_api.get(f"{BASE}/{body['id']}").json()
    entry = OperationLog.objects.get(action="audit.webhook.create")
    assert body["secret"] not in str(entry.details)
    types = [t["type"] for t in admin_api.get(f"{BASE}/event-types").json()]
    assert "punch.created" in types and "payroll_cycle.reopened" in types


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://example.com/x", "events": ["member.created"]}, "WEBHOOK_URL_INVALID"),
        ({"url": "https://user:pw@example.com/", "events": ["member.created"]}, "WEBHOOK_URL_INVALID"),
        ({"url": "not a url", "events": ["member.created"]}, "WEBHOOK_URL_INVALID"),
        ({"url": "http://127.0.0.1/x", "events": ["member.exploded"]}, "WEBHOOK_EVENT_UNKNOWN"),
        ({"url": "http://127.0.0.1/x", "events": []}, "VALIDATION_ERROR"),
        (
            {"url": "http://no-such-host.invalid/x", "events": ["member.created"]},
            "WEBHOOK_TARGET_UNRESOLVABLE",
        ),
    ],
)
def test_bad_input_is_a_400_that_registers_nothing(admin_api, body, code):
    response = admin_api.post(BASE, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused_in_production(admin_api, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = register(admin_api, url)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "WEBHOOK_TARGET_FORBIDDEN"
    assert WebhookEndpoint.objects.count() == 0


def test_every_address_of_a_name_is_checked(admin_api, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    answers = {
        "public.example": ["93.184.215.14"],
        "split.example": ["93.184.215.14", "10.0.0.7"],
    }
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    refused = register(admin_api, "https://split.example/hook")
    assert refused.json()["error"]["code"] == "WEBHOOK_TARGET_FORBIDDEN"
    assert refused.json()["error"]["details"]["addresses"] == ["10.0.0.7"]
    assert register(admin_api, "https://public.example/hook").status_code == 201


def test_a_target_that_became_private_is_refused_at_delivery(admin, admin_api, receiver, settings):
    assert register(admin_api, receiver.url).status_code == 201  # allowed while registering (demo)
    provisioning.member_provision(organization=admin.organization, actor=admin, username="newbie")
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    delivery = delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == "dead"
    assert "private, loopback or link-local" in delivery.last_error
    assert receiver.received == []


def test_deliveries_are_listed_and_dead_letters_replayed_one_or_all(admin, admin_api, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint_id = register(admin_api, receiver.url).json()["id"]
    receiver.script = ["fail", "fail"]
    for name in ("one", "two"):
        provisioning.member_provision(organization=admin.organization, actor=admin, username=name)
    for delivery in WebhookDelivery.objects.order_by("sequence"):
        assert delivery_attempt(delivery_id=delivery.pk).status == "dead"
    listed = admin_api.get(f"{BASE}/{endpoint_id}/deliveries", {"status": "dead"}).json()
    assert listed["count"] == 2
    first = listed["results"][-1]
    assert (first["status"], first["attempts"], first["lastStatusCode"], first["lastResponse"]) == (
        "dead",
        1,
        500,
        "receiver says no",
    )
    assert admin_api.get(f"{BASE}/{endpoint_id}/deliveries", {"status": "nope"}).status_code == 400

    replayed = admin_api.post(f"{BASE}/deliveries/{first['id']}/replay")
    assert replayed.status_code == 200, replayed.json()
    assert (replayed.json()["status"], replayed.json()["replays"]) == ("pending", 1)
    assert delivery_attempt(delivery_id=first["id"]).status == "succeeded"
    again = admin_api.post(f"{BASE}/deliveries/{first['id']}/replay")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "DELIVERY_NOT_DEAD")

    everything = admin_api.post(f"{BASE}/{endpoint_id}/deliveries/replay-dead")
    assert everything.json() == {"replayed": 1}
    last = WebhookDelivery.objects.get(status="pending")
    assert delivery_attempt(delivery_id=last.pk).status == "succeeded"
    # Replays carry the event id of the first attempt.
    ids = [r.headers["X-TimeLedger-Event-Id"] for r in receiver.received]
    assert len(ids) == 4 and len(set(ids)) == 2
    assert OperationLog.objects.filter(action__startswith="audit.webhook.replay").count() == 2


def test_switching_an_endpoint_off_holds_deliveries_and_on_sends_them(
    admin, admin_api, receiver, django_capture_on_commit_callbacks
):
    endpoint_id = register(admin_api, receiver.url).json()["id"]
    assert admin_api.patch(f"{BASE}/{endpoint_id}", {"isActive": False}, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        provisioning.member_provision(organization=admin.organization, actor=admin, username="newbie")
    assert receiver.received == []  # inactive endpoints get no deliveries
    assert WebhookDelivery.objects.count() == 0
    assert admin_api.patch(f"{BASE}/{endpoint_id}", {}, format="json").status_code == 400
    assert admin_api.delete(f"{BASE}/{endpoint_id}").status_code == 204
    assert admin_api.get(f"{BASE}/{endpoint_id}").status_code == 404


def test_another_organizations_webhooks_are_not_found(admin_api, receiver, make_member, other_org):
    from rest_framework.test import APIClient

    from apps.access import roles

    endpoint_id = register(admin_api, receiver.url).json()["id"]
    outsider = APIClient()
    outsider.force_authenticate(make_member("gus", roles.ADMIN, organization=other_org).user)
    assert outsider.get(f"{BASE}/{endpoint_id}").status_code == 404
    assert outsider.get(BASE).json() == []
    assert outsider.delete(f"{BASE}/{endpoint_id}").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint_id).exists()
