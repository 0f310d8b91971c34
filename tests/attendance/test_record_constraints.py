"""The daily records table's database contract. On PostgreSQL: one composite foreign key
`daily_record_member_org_fk`, (member_id, organization_id) -> the member's own (id, organization_id),
checked at commit, instead of two single-column ones; and only the indexes that reads use. On every
database: deleting a member (or its organization) still deletes its records (Django's collector cascades)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from apps.access.models import Membership
from apps.attendance.models import DailyRecord

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
TABLE = "attendance_dailyrecord"
FK = "daily_record_member_org_fk"

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: migration attendance 0004 adds the composite foreign key (and the table has "
    "no other) on PostgreSQL alone; SQLite cannot add a constraint to an existing table "
    "(run with DATABASE_URL=postgres://...).",
)


def _record(*, organization_id: int, member_id: int, work_date: date = DAY) -> DailyRecord:
    return DailyRecord.objects.create(
        organization_id=organization_id, member_id=member_id, work_date=work_date, status="normal"
    )


def _missing_member_id() -> int:
    return (Membership.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["organization_of_another_member", "member_that_does_not_exist"])
def test_a_record_not_matching_a_members_organization_fails_at_commit(case, org, other_org, make_member):
    emma = make_member("emma")
    with transaction.atomic():
        _record(organization_id=org.pk, member_id=emma.pk)
    assert DailyRecord.objects.filter(member=emma).count() == 1  # a matching record commits

    if case == "organization_of_another_member":
        bad = {"organization_id": other_org.pk, "member_id": emma.pk}
    else:
        bad = {"organization_id": org.pk, "member_id": _missing_member_id()}
    next_day, inserted = DAY + timedelta(days=1), []

    def insert_and_commit():
        with transaction.atomic():
            _record(**bad, work_date=next_day)
            inserted.append(DailyRecord.objects.filter(work_date=next_day).exists())

    with pytest.raises(IntegrityError) as error:
        insert_and_commit()
    assert inserted == [True]  # the check is deferred: the INSERT went through, the commit failed
    assert error.value.__cause__.diag.constraint_name == FK
    assert list(DailyRecord.objects.values_list("member_id", "work_date")) == [(emma.pk, DAY)]


@pytest.mark.postgres
@requires_postgres
@pytest.mark.parametrize("case", ["organization_of_another_member", "member_that_does_not_exist"])
def test_set_constraints_immediate_reports_the_mismatch_at_the_insert(case, org, other_org, make_member):
    emma = make_member("emma")
    bad = (
        {"organization_id": other_org.pk, "member_id": emma.pk}
        if case == "organization_of_another_member"
        else {"organization_id": org.pk, "member_id": _missing_member_id()}
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {FK} IMMEDIATE")
        with pytest.raises(IntegrityError) as error:
            _record(**bad)
    assert error.value.__cause__.diag.constraint_name == FK
    assert not DailyRecord.objects.exists()


def test_deleting_a_member_deletes_its_records_and_only_its(org, make_member):
    emma, finn = make_member("emma"), make_member("finn")
    for member in (emma, finn):
        for offset in range(3):
            _record(organization_id=org.pk, member_id=member.pk, work_date=DAY + timedelta(days=offset))

    emma.delete()

    assert set(DailyRecord.objects.values_list("member_id", flat=True)) == {finn.pk}
    assert DailyRecord.objects.count() == 3
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # no dangling row for the deferred check to find
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_deleting_an_organization_deletes_its_records(org, other_org, make_member):
    emma, otto = make_member("emma"), make_member("otto", organization=other_org)
    _record(organization_id=org.pk, member_id=emma.pk)
    _record(organization_id=other_org.pk, member_id=otto.pk)

    org.delete()

    assert list(DailyRecord.objects.values_list("member_id", flat=True)) == [otto.pk]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
@requires_postgres
def test_the_table_has_only_the_indexes_reads_use_and_one_composite_foreign_key():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [TABLE],
        )
        foreign_keys = dict(cursor.fetchall())
    assert indexes == {f"{TABLE}_pkey", "daily_record_unique_member_date", "dailyrecord_org_date"}
    assert foreign_keys == {
        FK: "FOREIGN KEY (member_id, organization_id) REFERENCES access_membership(id, organization_id) "
        "DEFERRABLE INITIALLY DEFERRED"
    }
