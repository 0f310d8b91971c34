"""The audit-chain check and the last successful retention run reach /metrics, whichever process ran
them (the state is kept in the cache and read at scrape time)."""

import pytest
from django.core.management import call_command

from apps.audit.models import OperationLog
from apps.audit.services import audit_record
from apps.audit.tasks import audit_chain_verify_task
from tests.metrics import scrape, value

pytestmark = pytest.mark.django_db


def test_before_any_check_the_metrics_say_never(org):
    samples = scrape()

    assert value(samples, "timeledger_audit_chain_last_check_timestamp_seconds") == 0
    assert value(samples, "timeledger_audit_chain_ok") is None
    assert value(samples, "timeledger_retention_last_success_timestamp_seconds") == 0


def test_a_clean_check_reports_ok_and_a_tampered_chain_reports_broken(org):
    audit_record(action="test.one", organization=org, actor_label="system:test")
    audit_record(action="test.two", organization=org, actor_label="system:test")

    assert audit_chain_verify_task()["broken"] == []
    samples = scrape()
    assert value(samples, "timeledger_audit_chain_ok") == 1
    assert value(samples, "timeledger_audit_chains_broken") == 0
    assert value(samples, "timeledger_audit_chain_last_check_timestamp_seconds") > 0

    OperationLog.objects.filter(action="test.one").update(action="test.forged")
    with pytest.raises(Exception, match="AUDIT_CHAIN_BROKEN"):
        call_command("audit_verify")
    samples = scrape()
    assert value(samples, "timeledger_audit_chain_ok") == 0
    assert value(samples, "timeledger_audit_chains_broken") == 1


def test_a_full_retention_run_sets_its_success_time_and_a_dry_run_does_not(org):
    call_command("audit_retention", "--dry-run")
    assert value(scrape(), "timeledger_retention_last_success_timestamp_seconds") == 0

    call_command("audit_retention")

    samples = scrape()
    assert value(samples, "timeledger_retention_last_success_timestamp_seconds") > 0
    assert 0 <= value(samples, "timeledger_retention_seconds_since_success") < 60
