"""The daily records table's database contract. On PostgreSQL the rule `daily_record_member_org` (migration
attendance 0005, statement-level triggers): a record's (member_id, organization_id) is a membership of that
organization, locked against deletion until the writing transaction ends; a record's member never changes; a
membership with records can be neither deleted nor moved. A violation is an IntegrityError at the statement,
with that constraint name. On every database: deleting a member (or its organization) deletes its records
(Django's collector), and the table has only the indexes reads use."""

import threading
from datetime import date, timedelta

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from apps.access.models import Membership
from apps.attendance.models import DailyRecord
from tests.deploy.harness import wait_for

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
TABLE = "attendance_dailyrecord"
RULE = "daily_record_member_org"
INSERT = (
    "INSERT INTO attendance_dailyrecord (organization_id, member_id, work_date, worked_minutes, late_minutes, "
    "early_leave_minutes, status, source, note, version, created_at, updated_at) "
)

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: migration attendance 0005 adds the triggers on PostgreSQL alone "
    "(run with DATABASE_URL=postgres://...).",
)


def _record(*, organization_id: int, member_id: int, work_date: date = DAY) -> DailyRecord:
    return DailyRecord.objects.create(
        organization_id=organization_id, member_id=member_id, work_date=work_date, status="normal"
    )


def _missing_member_id() -> int:
    return (Membership.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _violation(error: pytest.ExceptionInfo) -> tuple[str, str]:
    diag = error.value.__cause__.diag
    return diag.sqlstate, diag.constraint_name


@pytest.mark.postgres
@requires_postgres
@pytest.mark.parametrize("case", ["organization_of_another_member", "member_that_does_not_exist"])
def test_a_record_not_matching_a_members_organization_is_refused(case, org, other_org, make_member):
    emma = make_member("emma")
    _record(organization_id=org.pk, member_id=emma.pk)  # a matching record is written
    bad = (
        {"organization_id": other_org.pk, "member_id": emma.pk}
        if case == "organization_of_another_member"
        else {"organization_id": org.pk, "member_id": _missing_member_id()}
    )

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        _record(**bad, work_date=DAY + timedelta(days=1))

    assert _violation(error) == ("23503", RULE)
    assert list(DailyRecord.objects.values_list("member_id", "work_date")) == [(emma.pk, DAY)]


@pytest.mark.postgres
@requires_postgres
def test_one_bad_row_refuses_the_whole_set_based_insert(org, other_org, make_member):
    emma, otto = make_member("emma"), make_member("otto", organization=other_org)
    rows = [(org.pk, emma.pk, DAY + timedelta(days=offset)) for offset in range(50)] + [
        (org.pk, otto.pk, DAY)
    ]

    columns = [[row[index] for row in rows] for index in range(3)]

    def insert_in_one_statement():  # as the import's merge writes them
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                INSERT + "SELECT o, m, d, 0, 0, 0, 'normal', 'import', '', 1, now(), now() "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS t(o, m, d)",
                columns,
            )

    with pytest.raises(IntegrityError) as error:
        insert_in_one_statement()

    assert _violation(error) == ("23503", RULE)
    assert not DailyRecord.objects.exists()
    assert str(otto.pk) in str(error.value)  # the message names the member


@pytest.mark.postgres
@requires_postgres
def test_a_record_cannot_move_to_another_member(org, make_member):
    emma, finn = make_member("emma"), make_member("finn")
    record = _record(organization_id=org.pk, member_id=emma.pk)

    record.status = "late"
    record.save()  # an ordinary save writes member_id unchanged: allowed
    record.member_id = finn.pk
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        record.save()

    assert _violation(error) == ("23503", RULE)
    assert DailyRecord.objects.get().member_id == emma.pk


@pytest.mark.postgres
@requires_postgres
def test_a_membership_with_records_cannot_be_deleted_behind_djangos_back_or_moved(
    org, other_org, make_member
):
    emma, finn = make_member("emma"), make_member("finn")
    _record(organization_id=org.pk, member_id=emma.pk)

    with pytest.raises(IntegrityError) as deleted, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_membership WHERE id = %s", [emma.pk])
    with pytest.raises(IntegrityError) as moved, transaction.atomic():
        Membership.objects.filter(pk=emma.pk).update(organization=other_org)

    assert _violation(deleted) == _violation(moved) == ("23503", RULE)
    Membership.objects.filter(pk=finn.pk).update(department="Ops")  # other updates are free
    finn.delete()  # a member without records goes
    assert Membership.objects.filter(pk=emma.pk, organization=org).exists()


def test_deleting_a_member_deletes_its_records_and_only_its(org, make_member):
    emma, finn = make_member("emma"), make_member("finn")
    for member in (emma, finn):
        for offset in range(3):
            _record(organization_id=org.pk, member_id=member.pk, work_date=DAY + timedelta(days=offset))

    emma.delete()

    assert set(DailyRecord.objects.values_list("member_id", flat=True)) == {finn.pk}
    assert DailyRecord.objects.count() == 3


def test_deleting_an_organization_deletes_its_records(org, other_org, make_member):
    emma, otto = make_member("emma"), make_member("otto", organization=other_org)
    _record(organization_id=org.pk, member_id=emma.pk)
    _record(organization_id=other_org.pk, member_id=otto.pk)

    org.delete()

    assert list(DailyRecord.objects.values_list("member_id", flat=True)) == [otto.pk]


def _other_session() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        password=db["PASSWORD"] or None,
    )


def _blocked_by(session: psycopg.Connection, watcher: psycopg.Connection, timeout: float = 30) -> None:
    """Return once another backend waits for one of `session`'s locks."""
    query = "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
    wait_for(
        lambda: watcher.execute(query, [session.info.backend_pid]).fetchone(),
        timeout=timeout,
        what="a session to wait for the lock",
        interval=0.05,
    )


def _insert_record(session: psycopg.Connection, *, organization_id: int, member_id: int) -> None:
    session.execute(
        INSERT + "VALUES (%s, %s, %s, 0, 0, 0, 'normal', 'import', '', 1, now(), now())",
        [organization_id, member_id, DAY],
    )


def _delete_member(session: psycopg.Connection, member_id: int) -> None:
    session.execute("DELETE FROM access_membership_roles WHERE membership_id = %s", [member_id])
    session.execute("DELETE FROM access_membership WHERE id = %s", [member_id])


def _race(first, then) -> list[str]:
    """`first` runs in one session and keeps its transaction open; `then` runs in another (a thread) and
    must wait for the first's locks; once it waits, the first commits. Returns how `then` ended:
    "committed" or the name of the rule it violated."""
    holder, waiter, watcher = _other_session(), _other_session(), _other_session()
    watcher.autocommit = True
    outcome: list[str] = []

    def run():
        try:
            then(waiter)
            waiter.commit()
            outcome.append("committed")
        except psycopg.errors.ForeignKeyViolation as error:
            waiter.rollback()
            outcome.append(error.diag.constraint_name)

    try:
        first(holder)
        thread = threading.Thread(target=run)
        thread.start()
        _blocked_by(holder, watcher)
        holder.commit()
        thread.join(timeout=30)
    finally:
        for session in (holder, waiter, watcher):
            session.close()
    return outcome


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_delete_waiting_for_an_inserts_lock_then_finds_the_records_and_fails(org, make_member):
    emma = make_member("emma")

    outcome = _race(
        lambda session: _insert_record(session, organization_id=org.pk, member_id=emma.pk),
        lambda session: _delete_member(session, emma.pk),
    )

    assert outcome == [RULE]
    assert Membership.objects.filter(pk=emma.pk).exists()
    assert DailyRecord.objects.filter(member_id=emma.pk).count() == 1


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_an_insert_waiting_for_a_members_deletion_then_fails(org, make_member):
    emma = make_member("emma")

    outcome = _race(
        lambda session: _delete_member(session, emma.pk),
        lambda session: _insert_record(session, organization_id=org.pk, member_id=emma.pk),
    )

    assert outcome == [RULE]
    assert not Membership.objects.filter(pk=emma.pk).exists()
    assert not DailyRecord.objects.exists()


@pytest.mark.postgres
@requires_postgres
def test_the_table_has_only_the_indexes_reads_use_and_no_per_row_foreign_key():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [TABLE]
        )
        foreign_keys = cursor.fetchone()[0]
        cursor.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        triggers = set(cursor.fetchall())
    assert indexes == {f"{TABLE}_pkey", "daily_record_unique_member_date", "dailyrecord_org_date"}
    assert foreign_keys == 0
    assert triggers >= {
        (f"{RULE}_insert", TABLE),
        (f"{RULE}_update", TABLE),
        (f"{RULE}_delete", "access_membership"),
        (f"{RULE}_rekey", "access_membership"),
    }
