"""The operation log is a hash chain per organization; `audit_verify` finds edited and deleted rows."""

import itertools
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from apps.audit.chain import compute_hash
from apps.audit.models import AuditChainHead, OperationLog
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


def record(n: int, organization=None, **details):
    return [
        audit_record(action="tests.thing.touch", organization=organization, details={"n": i, **details})
        for i in range(n)
    ]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError, match="AUDIT_CHAIN_BROKEN") as error:
        call_command("audit_verify", *args, stdout=out)
    return out.getvalue(), str(error.value)


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_organization_has_its_own_gapless_chain_and_verification_passes(org, other_org):
    record(3, org)
    record(2, other_org)
    record(2, None, username="nobody")  # e.g. a failed login for an unknown user
    chains = {}
    for entry in OperationLog.objects.order_by("id"):
        chains.setdefault(entry.chain, []).append(entry)
    assert {key: [e.sequence for e in entries] for key, entries in chains.items()} == {
        f"org:{org.pk}": [1, 2, 3],
        f"org:{other_org.pk}": [1, 2],
        "global": [1, 2],
    }
    for entries in chains.values():
        assert entries[0].prev_hash == ""
        assert all(later.prev_hash == earlier.entry_hash for earlier, later in itertools.pairwise(entries))
    output = verify()
    assert "All 3 chain(s) verified." in output
    assert f"org:{org.pk}: ok (3 entries, 1..3)" in output


def test_details_with_dates_and_decimals_verify_after_the_database_round_trip(org):
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone

    audit_record(
        action="tests.thing.touch",
        organization=org,
        details={"when": timezone.now(), "day": date(2026, 1, 2), "hours": Decimal("7.50"), "名": "王磊"},
    )
    assert "ok (1 entries" in verify("--org", "acme")


def test_editing_a_row_with_raw_sql_is_reported_as_altered(org):
    entries = record(4, org)
    raw_sql(
        "UPDATE audit_operationlog SET result = 'ok', actor_label = %s WHERE id = %s",
        ["mallory", entries[1].pk],
    )
    output, message = verify_fails()
    assert f"org:{org.pk}: BROKEN at sequence 2: entry 2 (id {entries[1].pk}) was altered" in output
    assert "1 of 1 chain(s)" in message


def test_editing_details_json_is_reported(org):
    entries = record(3, org)
    OperationLog.objects.filter(pk=entries[2].pk).update(details={"n": 99})
    output, _ = verify_fails("--org", "acme")
    assert "BROKEN at sequence 3" in output


def test_rehashing_an_edited_row_breaks_the_link_of_the_next_one(org):
    entries = record(3, org)
    forged = OperationLog.objects.get(pk=entries[0].pk)
    forged.action = "tests.thing.innocent"
    raw_sql(
        "UPDATE audit_operationlog SET action = %s, entry_hash = %s WHERE id = %s",
        [forged.action, compute_hash(forged), forged.pk],
    )
    output, _ = verify_fails()
    assert "BROKEN at sequence 2" in output and "does not link to entry 1" in output


def test_deleting_a_row_with_raw_sql_is_reported_as_missing(org):
    entries = record(5, org)
    raw_sql("DELETE FROM audit_operationlog WHERE id = %s", [entries[2].pk])
    output, _ = verify_fails()
    assert "BROKEN at sequence 3: entries 3..3 are missing" in output


def test_deleting_the_newest_rows_is_reported_because_the_head_remembers_the_tip(org):
    entries = record(4, org)
    raw_sql("DELETE FROM audit_operationlog WHERE id IN (%s, %s)", [entries[2].pk, entries[3].pk])
    output, _ = verify_fails()
    assert "entries 3..4 are missing (the newest entries were removed)" in output


def test_deleting_the_chain_head_is_reported(org):
    record(2, org)
    raw_sql("DELETE FROM audit_auditchainhead WHERE chain = %s", [f"org:{org.pk}"])
    output, _ = verify_fails()
    assert "the chain head record is missing" in output


def test_one_broken_chain_does_not_hide_that_others_are_fine(org, other_org):
    entries = record(2, org)
    record(2, other_org)
    raw_sql("DELETE FROM audit_operationlog WHERE id = %s", [entries[0].pk])
    output, message = verify_fails()
    assert f"org:{other_org.pk}: ok (2 entries, 1..2)" in output
    assert "1 of 2 chain(s)" in message


def test_verify_walks_in_chunks_across_page_boundaries(org):
    from apps.audit.verify import chain_verify

    record(7, org)
    report = chain_verify(f"org:{org.pk}", chunk=3)
    assert report.ok and report.checked == 7 and (report.first_sequence, report.last_sequence) == (1, 7)
    raw_sql("DELETE FROM audit_operationlog WHERE chain = %s AND sequence = 4", [f"org:{org.pk}"])
    assert chain_verify(f"org:{org.pk}", chunk=3).problem.sequence == 4


def test_verify_of_an_unknown_organization_is_a_clear_error(org):
    with pytest.raises(CommandError, match="ORGANIZATION_NOT_FOUND"):
        verify("--org", "nope")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_in_one_organization_never_fork_the_chain(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (run with DATABASE_URL=postgres://...)")
    threads, per_thread, errors = 8, 15, []
    start = threading.Barrier(threads)

    def writer(index: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                audit_record(action="tests.thing.touch", organization=org, details={"t": index, "i": i})
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    sequences = sorted(OperationLog.objects.filter(organization=org).values_list("sequence", flat=True))
    assert sequences == list(range(1, threads * per_thread + 1))
    assert AuditChainHead.objects.get(chain=f"org:{org.pk}").last_sequence == threads * per_thread
    assert "ok (120 entries, 1..120)" in verify("--org", "acme")


def test_moving_an_entry_to_another_organization_is_reported(org, other_org):
    entries = record(3, org)
    raw_sql("UPDATE audit_operationlog SET organization_id = %s WHERE id = %s", [other_org.pk, entries[1].pk])

    output, _ = verify_fails()

    assert f"org:{org.pk}: BROKEN at sequence 2" in output
    assert f"is filed under organization {other_org.pk} but was written into chain org:{org.pk}" in output


def test_moving_an_entry_and_its_chain_to_another_organization_is_reported_as_altered(org, other_org):
    entries = record(3, org)
    record(1, other_org)
    raw_sql(
        "UPDATE audit_operationlog SET organization_id = %s, chain = %s WHERE id = %s",
        [other_org.pk, f"org:{other_org.pk}", entries[2].pk],
    )

    output, message = verify_fails()

    assert f"org:{org.pk}: BROKEN" in output
    assert f"org:{other_org.pk}: BROKEN" in output
    assert "2 of 2 chain(s)" in message


def test_changing_an_entrys_actor_is_reported(org, make_member):
    mallory = make_member("mallory")
    entries = [audit_record(action="tests.thing.touch", organization=org, actor=None) for _ in range(2)]
    boss = make_member("boss")
    entries.append(audit_record(action="tests.thing.touch", organization=org, actor=boss.user))
    raw_sql("UPDATE audit_operationlog SET actor_id = %s WHERE id = %s", [mallory.user_id, entries[2].pk])

    output, _ = verify_fails()

    assert f"names actor {mallory.user_id} but was written by {boss.user_id}" in output


def test_changing_an_entrys_actor_and_its_reference_is_reported_as_altered(org, make_member):
    mallory = make_member("mallory")
    boss = make_member("boss")
    entry = audit_record(action="tests.thing.touch", organization=org, actor=boss.user)
    raw_sql(
        "UPDATE audit_operationlog SET actor_id = %s, actor_ref = %s WHERE id = %s",
        [mallory.user_id, mallory.user_id, entry.pk],
    )

    output, _ = verify_fails()

    assert f"entry {entry.sequence} (id {entry.pk}) was altered" in output
