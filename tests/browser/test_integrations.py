"""Integrations in a real browser: an admin registers a webhook, copies its secret (shown once), sees a
dead letter and sends it again. Screenshots: output/playwright/integrations-*.png (1366x900 and 390x844,
English and Chinese)."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from apps.access import roles
from apps.audit.models import WebhookDelivery, WebhookEndpoint
from tests.browser.helpers import login, screenshot
from tests.factories import PASSWORD, WebhookDeliveryFactory

pytestmark = pytest.mark.browser
WIDE = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _webhooks(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    from apps.audit import tasks

    monkeypatch.setattr(tasks.webhook_deliver, "delay", lambda **kwargs: None)  # nothing listens


def chinese(page, live_server):
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}]
    )


def test_an_admin_registers_a_webhook_and_replays_a_dead_letter(page, mobile_page, live_server, make_member):
    admin = make_member("ada", roles.ADMIN, display_name="Ada Admin")
    page.set_viewport_size(WIDE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    login(page, live_server, "ada", PASSWORD, next_url="/admin-center/")
    page.get_by_test_id("admin-tabs").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_test_id("webhook-none")).to_be_visible()
    page.get_by_test_id("webhook-url").fill("http://127.0.0.1:9/hooks/timeledger")
    page.get_by_test_id("webhook-description").fill("Payroll system")
    page.get_by_test_id("event-leave.decided").check()
    page.get_by_test_id("event-payroll_cycle.closed").check()
    screenshot(page, "integrations-webhooks")
    page.get_by_test_id("webhook-submit").click()

    secret = page.get_by_test_id("webhook-secret")
    expect(secret).to_have_value(WebhookEndpoint.objects.get().secret)
    page.get_by_test_id("webhook-secret-copy").click()
    expect(page.get_by_test_id("webhook-secret-copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret.input_value()
    screenshot(page, "integrations-webhook-created")
    page.reload()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)  # shown once

    endpoint = WebhookEndpoint.objects.get()
    WebhookDeliveryFactory(
        organization=admin.organization,
        endpoint=endpoint,
        event__type="leave.decided",
        status="dead",
        attempts=8,
        last_status_code=503,
        last_response="Service Unavailable",
    )
    WebhookDeliveryFactory(organization=admin.organization, endpoint=endpoint, status="succeeded", attempts=1)
    page.reload()
    expect(page.get_by_test_id("delivery-row")).to_have_count(2)
    screenshot(page, "integrations-webhook-deliveries")
    page.get_by_test_id("delivery-replay").click()
    expect(page.get_by_text("The delivery is being sent again.")).to_be_visible()
    assert WebhookDelivery.objects.filter(status="dead").count() == 0

    chinese(page, live_server)
    page.reload()
    expect(page.get_by_role("heading", name="投递记录")).to_be_visible()
    screenshot(page, "integrations-webhook-zh")

    login(mobile_page, live_server, "ada", PASSWORD, next_url=f"/admin-center/webhooks/{endpoint.pk}/")
    expect(mobile_page.get_by_test_id("webhook-deliveries")).to_be_visible()
    screenshot(mobile_page, "integrations-webhook-mobile")
