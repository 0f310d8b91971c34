"""The daily-record table contract (apps/attendance/records_sql.py): every concrete field of DailyRecord has
a part in what an import writes and a rollback restores, and the fragments imports use are built from the
model, so a field added without deciding that fails here, not in a half-restored rollback."""

from django.db import models

from apps.attendance import records_sql
from apps.attendance.models import DailyRecord
from apps.imports.models import ImportItem


def test_every_concrete_field_of_the_daily_record_is_covered_by_the_contract():
    assert records_sql.uncovered_columns() == []
    assert {field.column for field in DailyRecord._meta.concrete_fields} == records_sql.COVERED


def test_a_field_added_to_the_model_without_a_part_in_the_contract_is_reported():
    planted = models.PositiveIntegerField(default=0)
    planted.set_attributes_from_name("planted_minutes")
    fields = [*DailyRecord._meta.concrete_fields, planted]
    assert records_sql.uncovered_columns(fields) == ["planted_minutes"]


def test_the_names_come_from_the_model():
    assert DailyRecord._meta.db_table == records_sql.TABLE
    assert records_sql.CONFLICT_KEY == ("member_id", "work_date")
    assert records_sql.IMPORTED[0] == DailyRecord._meta.get_field("first_in_at").column


def test_every_column_a_rollback_restores_has_a_snapshot_column_on_the_import_items():
    item_columns = {field.column for field in ImportItem._meta.concrete_fields}
    for column in (*records_sql.SNAPSHOT, records_sql.VERSION):
        assert f"prev_{column}" in item_columns


def test_the_merge_rewrites_every_imported_value_and_keeps_the_creation_time():
    sql = records_sql.upsert(select="SELECT 1", operator="IS DISTINCT FROM")
    assignments = sql.split("DO UPDATE SET", 1)[1].split("WHERE", 1)[0]
    for column in (*records_sql.IMPORTED, *records_sql.PROVENANCE, records_sql.UPDATED_AT):
        assert f"{column} = excluded.{column}" in assignments
    assert "version = d.version + 1" in assignments
    assert "created_at" not in assignments
