"""Retention deletes the oldest operation-log entries in batches and anchors the chain."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.hooks import _retention_purgers, register_retention_purger
from apps.audit.models import AuditChainHead, OperationLog
from apps.audit.services import audit_record
from apps.audit.tasks import audit_retention_task

pytestmark = pytest.mark.django_db


def record_at(moment, count: int, organization) -> None:
    with time_machine.travel(moment, tick=False):
        for i in range(count):
            audit_record(action="tests.thing.touch", organization=organization, details={"i": i})


def retention(*args: str) -> str:
    out = StringIO()
    call_command("audit_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def aged_log(org, other_org):
    now = timezone.now()
    record_at(now - timedelta(days=4 * 365), 5, org)  # past the 3-year default
    record_at(now - timedelta(days=30), 3, org)
    record_at(now - timedelta(days=4 * 365), 2, other_org)
    return now


def test_dry_run_reports_what_would_go_and_deletes_nothing(aged_log, org):
    output = retention("--dry-run")
    assert "acme: would remove 5 operation-log entries" in output
    assert "globex: would remove 2 operation-log entries" in output
    assert OperationLog.objects.count() == 10
    assert not OperationLog.objects.filter(action="audit.log.purge").exists()


def test_purge_removes_old_entries_in_batches_records_it_and_verification_still_passes(aged_log, org):
    output = retention("--batch-size", "2")
    assert "acme: removed 5 operation-log entries older than" in output
    assert "attendance data: 2555 days, attendance 0" in output  # the attendance app's purger found nothing
    remaining = OperationLog.objects.filter(organization=org).exclude(action="audit.log.purge")
    assert sorted(remaining.values_list("sequence", flat=True)) == [6, 7, 8]
    head = AuditChainHead.objects.get(chain=f"org:{org.pk}")
    assert head.anchor_sequence == 5 and len(head.anchor_hash) == 64
    purge = OperationLog.objects.get(organization=org, action="audit.log.purge")
    assert purge.details["removed"] == 5 and purge.details["throughSequence"] == 5
    assert purge.details["anchorHash"] == head.anchor_hash
    assert purge.actor_label == "system:retention"
    verify = StringIO()
    call_command("audit_verify", stdout=verify)
    assert "verified" in verify.getvalue()


def test_running_retention_again_removes_nothing_more(aged_log, org):
    retention()
    entries_after_first = OperationLog.objects.count()
    output = retention()
    assert "acme: removed 0" in output
    assert OperationLog.objects.count() == entries_after_first  # no second purge entry either


def test_deleting_a_row_after_the_anchor_is_still_detected(aged_log, org):
    retention()
    OperationLog.objects.filter(organization=org, sequence=7).delete()
    with pytest.raises(CommandError, match="AUDIT_CHAIN_BROKEN"):
        call_command("audit_verify", stdout=StringIO())


def test_an_organizations_own_retention_is_applied(aged_log, org):
    org.settings = {"retention": {"operationLogDays": 30 * 12 * 5}}
    org.save()
    assert "acme: removed 0" in retention("--org", "acme")
    assert OperationLog.objects.filter(organization=org).count() == 8


def test_an_old_entry_after_a_newer_one_waits_so_the_chain_stays_contiguous(org):
    now = timezone.now()
    record_at(now - timedelta(days=2000), 2, org)
    record_at(now - timedelta(days=10), 1, org)
    record_at(now - timedelta(days=2000), 1, org)  # a clock that went backwards
    retention()
    assert sorted(
        OperationLog.objects.filter(organization=org, action="tests.thing.touch").values_list(
            "sequence", flat=True
        )
    ) == [3, 4]


def test_attendance_purgers_registered_by_a_higher_app_are_called_with_the_attendance_cutoff(aged_log, org):
    calls = []

    def purger(*, organization, cutoff, dry_run, batch_size):
        calls.append((organization.slug, round((timezone.now() - cutoff).days / 365), dry_run))
        return 4

    register_retention_purger("tests.records", purger)
    try:
        output = retention("--org", "acme")
    finally:
        _retention_purgers.pop("tests.records")
    assert calls == [("acme", 7, False)]
    assert "attendance data: 2555 days, attendance 0, tests.records 4" in output


def test_the_beat_task_runs_the_same_retention(aged_log):
    assert audit_retention_task.delay().get() == {"acme": 5, "globex": 2, "global": 0}


def test_bad_command_input_is_a_clear_error(aged_log):
    with pytest.raises(CommandError, match="ORGANIZATION_NOT_FOUND"):
        retention("--org", "nope")
    with pytest.raises(CommandError, match="VALIDATION_ERROR"):
        retention("--batch-size", "0")
    assert OperationLog.objects.count() == 10
