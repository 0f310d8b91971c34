"""Updating imported records rewrites them in place: the records table keeps room on its pages
(attendance migration 0013), so the changed file's update and its rollback are HOT updates that insert no
index entries (PostgreSQL; the same import on full pages inserted into all three indexes per row)."""

import pytest
from django.conf import settings as django_settings
from django.db import connection

from apps.attendance.records_sql import TABLE

needs_postgres = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
)
pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres, pytest.mark.postgres]
HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n"
DAYS = 150  # two members: 300 records, several pages of them


def _file(check_out: str) -> str:
    rows = [
        f"2026-{1 + day // 28:02d}-{1 + day % 28:02d},{uid},09:00,{check_out},正常\n"
        for day in range(DAYS)
        for uid in ("u0001", "u0002")
    ]
    return HEADER + "".join(rows)


def _updates() -> tuple[int, int]:
    """Record updates so far: all of them, and those that were HOT (this backend's counts flushed first)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pg_stat_get_tuples_updated(%s::regclass), pg_stat_get_tuples_hot_updated(%s::regclass)",
            [TABLE, TABLE],
        )
        return cursor.fetchone()


def test_a_changed_file_updates_every_record_in_place_and_its_rollback_restores_them(imports, staff):
    assert imports.import_text(_file("18:00"), key="first").json()["createdCount"] == 2 * DAYS
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT (ctid::text::point)[0]) FROM {TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] >= 4  # more than a page or two: full pages would show
    updated_before, hot_before = _updates()
    changed = imports.import_text(_file("18:30"), key="changed").json()
    assert changed["updatedCount"] == 2 * DAYS
    updated, hot = _updates()
    assert updated - updated_before == 2 * DAYS
    assert hot - hot_before == 2 * DAYS  # every new version on its record's page, no index entry
    # The rollback's versions fit where the page was pruned of the ones it replaces, which PostgreSQL does
    # when no transaction of the database still sees them (not asserted: another session may).
    assert imports.rollback(changed["id"]).json()["status"] == "rolled_back"
    assert _updates()[0] - updated == 2 * DAYS
