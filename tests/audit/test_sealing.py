"""Background sealing: writers store entries unsealed and never wait for each other; the sealer chains them
in order; an entry edited before (or after) it was sealed, moved to another organization or given to another
actor is found by `audit_verify`; retention anchors still verify."""

import itertools
import threading
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.access import roles
from apps.audit.models import AuditChainHead, OperationLog
from apps.audit.services import audit_record
from apps.audit.tasks import audit_seal_task

pytestmark = pytest.mark.django_db
LOGS = "/api/attendance-admin/audit-logs"


@pytest.fixture(autouse=True)
def background(settings):
    settings.AUDIT_SEALING = "background"


def record(n: int, organization=None, **kwargs):
    return [
        audit_record(action="tests.thing.touch", organization=organization, details={"n": i}, **kwargs)
        for i in range(n)
    ]


def seal() -> str:
    out = StringIO()
    call_command("audit_seal", stdout=out)
    return out.getvalue()


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def verify_fails() -> str:
    out = StringIO()
    with pytest.raises(CommandError, match="AUDIT_CHAIN_BROKEN"):
        call_command("audit_verify", stdout=out)
    return out.getvalue()


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_entries_are_written_unsealed_and_the_sealer_chains_them_in_order(org, other_org):
    written = record(3, org) + record(2, other_org) + record(1, org)
    assert all(entry.sequence is None and len(entry.content_hash) == 64 for entry in written)
    assert "3 entries, 1..3" not in verify() and "4 not sealed yet" in verify()
    output = seal()
    assert f"org:{org.pk}: sealed 4" in output and f"org:{other_org.pk}: sealed 2" in output
    sealed = list(OperationLog.objects.filter(chain=f"org:{org.pk}").order_by("sequence"))
    assert [entry.pk for entry in sealed] == [written[i].pk for i in (0, 1, 2, 5)]
    assert [entry.sequence for entry in sealed] == [1, 2, 3, 4]
    assert sealed[0].prev_hash == "" and all(
        later.prev_hash == earlier.entry_hash for earlier, later in itertools.pairwise(sealed)
    )
    assert AuditChainHead.objects.get(chain=f"org:{org.pk}").last_hash == sealed[-1].entry_hash
    assert "ok (4 entries, 1..4)" in verify()
    assert seal().endswith("Sealed 0 entries.\n")  # nothing twice


def test_the_beat_task_seals_and_is_scheduled_every_few_seconds(org, settings):
    record(2, org)
    assert audit_seal_task() == {f"org:{org.pk}": 2}
    assert settings.CELERY_BEAT_SCHEDULE["audit-seal"]["task"] == "audit.seal"
    assert settings.CELERY_BEAT_SCHEDULE["audit-seal"]["schedule"] <= 5


def test_later_entries_continue_the_chain_after_sealing(org):
    record(2, org)
    seal()
    record(3, org)
    seal()
    assert "ok (5 entries, 1..5)" in verify()


def test_an_entry_altered_before_it_was_sealed_is_detected_before_and_after_sealing(org):
    entries = record(3, org)
    raw_sql(
        "UPDATE audit_operationlog SET action = %s WHERE id = %s", ["tests.thing.innocent", entries[1].pk]
    )
    assert f"unsealed entry id {entries[1].pk} was altered" in verify_fails()
    seal()  # the sealer chains the writer's content hash, not the edited content
    assert f"BROKEN at sequence 2: entry 2 (id {entries[1].pk}) was altered" in verify_fails()


def test_an_entry_moved_to_another_organization_is_flagged_and_not_shown_to_it(
    org, other_org, api, make_member
):
    entries = record(2, org)
    seal()
    raw_sql("UPDATE audit_operationlog SET organization_id = %s WHERE id = %s", [other_org.pk, entries[0].pk])
    output = verify_fails()
    assert f"entry 1 (id {entries[0].pk}) is filed under organization {other_org.pk}" in output
    intruder = make_member("globex-admin", roles.ADMIN, organization=other_org)
    api.force_authenticate(user=intruder.user)
    response = api.get(LOGS, HTTP_X_ORGANIZATION=other_org.slug)
    assert response.status_code == 200, response.json()
    assert entries[0].pk not in [row["id"] for row in response.json()["results"]]


def test_an_entry_given_to_another_actor_is_flagged(org, make_member):
    alice, bob = make_member("alice"), make_member("bob")
    entry = audit_record(action="tests.thing.touch", actor=alice)
    seal()
    raw_sql("UPDATE audit_operationlog SET actor_id = %s WHERE id = %s", [bob.user_id, entry.pk])
    assert f"names actor {bob.user_id} but was written by {alice.user_id}" in verify_fails()


def test_a_deleted_user_or_organization_nulls_its_pointer_and_the_chain_still_verifies(org, make_member):
    alice = make_member("alice")
    audit_record(action="tests.thing.touch", actor=alice)
    seal()
    alice.user.delete()
    assert OperationLog.objects.get(chain=f"org:{org.pk}").actor_id is None
    assert "ok (1 entries, 1..1)" in verify()
    org.delete()
    assert "All 1 chain(s) verified." in verify()


def test_the_audit_api_shows_entries_once_sealed(org, admin_member, api):
    record(2, org)
    api.force_authenticate(user=admin_member.user)
    assert api.get(LOGS).json()["results"] == []
    seal()
    assert len(api.get(LOGS).json()["results"]) == 2


def test_retention_anchor_still_verifies_with_entries_sealed_in_the_background(org):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=4 * 365), tick=False):
        record(4, org)
    seal()
    record(2, org)  # recent, not sealed yet: retention leaves them to the sealer
    call_command("audit_retention", stdout=StringIO())
    head = AuditChainHead.objects.get(chain=f"org:{org.pk}")
    assert head.anchor_sequence == 4
    seal()  # the two recent entries and retention's own audit.log.purge entry
    assert "ok (3 entries, 5..7)" in verify()


def test_metrics_report_the_oldest_unsealed_entry(org, client):
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        record(1, org)
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    line = next(x for x in text.splitlines() if x.startswith("timeledger_audit_unsealed_oldest_seconds"))
    assert float(line.split()[-1]) >= 299
    seal()
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "timeledger_audit_unsealed_oldest_seconds 0.0" in text
    assert "timeledger_audit_unsealed_entries 0.0" in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_of_one_organization_do_not_wait_for_each_other_and_two_sealers_seal_once(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    first_written, second_done, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                audit_record(action="tests.slow", organization=org)
                first_written.set()
                # Still inside its transaction: with the head lock of the old design the other writer
                # would be stuck behind this one, and this wait would time out.
                if not second_done.wait(timeout=20):
                    errors.append("the second writer waited for the first one's transaction")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    def fast_writer():
        try:
            first_written.wait(timeout=20)
            audit_record(action="tests.fast", organization=org)
            second_done.set()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=fast_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []

    # More writers, then two sealers at once: every entry gets exactly one sequence.
    record(40, org)
    barrier = threading.Barrier(2)

    def sealer():
        try:
            barrier.wait()
            audit_seal_task()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in sealers:
        thread.start()
    for thread in sealers:
        thread.join(timeout=30)
    seal()
    assert errors == []
    sequences = sorted(OperationLog.objects.filter(organization=org).values_list("sequence", flat=True))
    assert sequences == list(range(1, 43))
    assert "ok (42 entries, 1..42)" in verify()
