"""`manage.py webhook_bench` delivers every event it writes, signed, through the real delivery task, to its
loopback receiver, writes its figures to webhooks.json and leaves nothing behind."""

import io
import json

import pytest
from django.core.management import call_command

from apps.access.models import Organization
from apps.audit.models import OutboxEvent, WebhookDelivery, WebhookEndpoint


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("backlog", [False, True])
def test_the_bench_delivers_every_event_and_reports_its_figures(tmp_path, settings, backlog):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # the bench allows loopback for its own run only
    out = io.StringIO()
    flags = ["--backlog"] if backlog else []
    call_command(
        "webhook_bench", "--events", "12", "--subjects", "3", "--output", str(tmp_path), *flags, stdout=out
    )
    figures = json.loads((tmp_path / "webhooks.json").read_text())
    assert figures == json.loads(out.getvalue())
    assert figures["events"] == figures["delivered"] == 12
    assert figures["statuses"] == {"succeeded": 12}
    assert (figures["bad_signatures"], figures["duplicates"]) == (0, 0)
    assert figures["throughput_events_per_second"] > 0
    latency = figures["latency_ms"]
    assert 0 <= latency["p50"] <= latency["p95"] <= latency["max"]
    assert not Organization.objects.filter(slug__startswith="webhook-bench-").exists()
    assert not (
        OutboxEvent.objects.exists() or WebhookDelivery.objects.exists() or WebhookEndpoint.objects.exists()
    )
    assert settings.WEBHOOK_ALLOW_PRIVATE_TARGETS is False


@pytest.mark.django_db
def test_bad_arguments_are_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--events"):
        call_command("webhook_bench", "--events", "0")
