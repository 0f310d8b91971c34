"""Punches and decided requests are counted on /metrics once their transaction commits."""

import pytest

from tests.attendance.conftest import at, client_for, post_punch
from tests.attendance.test_adjustments import create, decide
from tests.metrics import scrape, value

pytestmark = pytest.mark.django_db


def test_a_punch_is_counted_once_when_it_commits_and_a_replay_is_not(
    team, django_capture_on_commit_callbacks
):
    before = value(scrape(), "timeledger_punches_total", kind="in", source="api")
    client = client_for(team["emma"])

    with django_capture_on_commit_callbacks(execute=True):
        assert post_punch(client, at("2026-03-02 09:00"), "in", key="p-1").status_code == 201
        assert post_punch(client, at("2026-03-02 09:00"), "in", key="p-1").status_code in {200, 201}

    assert value(scrape(), "timeledger_punches_total", kind="in", source="api") == before + 1


def test_a_refused_punch_is_not_counted(team, django_capture_on_commit_callbacks):
    before = value(scrape(), "timeledger_punches_total", kind="in", source="api")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_punch(client_for(team["emma"]), at("2026-03-02 09:00"), "sideways")

    assert response.status_code == 400
    assert value(scrape(), "timeledger_punches_total", kind="in", source="api") == before


def test_approved_and_rejected_requests_are_counted_by_type_and_decision(
    team, django_capture_on_commit_callbacks
):
    samples = scrape()
    approved = value(samples, "timeledger_requests_decided_total", type="adjustment", decision="approved")
    rejected = value(samples, "timeledger_requests_decided_total", type="adjustment", decision="rejected")
    employee, boss = client_for(team["emma"]), client_for(team["approver"])

    with django_capture_on_commit_callbacks(execute=True):
        first = create(employee, key="a-1").json()["id"]
        assert decide(boss, first, "reject", "Not on that day.").status_code == 200
        second = create(employee, key="a-2").json()["id"]
        assert decide(boss, second, "approve").status_code == 200

    samples = scrape()
    assert (
        value(samples, "timeledger_requests_decided_total", type="adjustment", decision="approved")
        == approved + 1
    )
    assert (
        value(samples, "timeledger_requests_decided_total", type="adjustment", decision="rejected")
        == rejected + 1
    )
