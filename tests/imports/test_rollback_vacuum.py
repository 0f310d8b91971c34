"""Rolling back a batch that was a large share of the records vacuums them afterwards, so that importing
the fixed file again does not wade through the dead index entries the rollback left (PostgreSQL)."""

from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection

from apps.attendance.models import DailyRecord

needs_postgres = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
)
HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n"


def _file(prefix: str, members: int, days: int) -> str:
    start = date(2026, 1, 1)
    lines = [HEADER]
    for offset in range(days):
        day = (start + timedelta(days=offset)).isoformat()
        lines += [f"{day},{prefix}{index:03d},09:00,18:00,正常\n" for index in range(members)]
    return "".join(lines)


def records_stat(column: str) -> int:
    """A counter of pg_stat_user_tables for the records table (vacuum_count, analyze_count), read fresh."""
    assert column in {"vacuum_count", "analyze_count"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            f"SELECT {column} FROM pg_stat_user_tables WHERE relid = 'attendance_dailyrecord'::regclass"  # noqa: S608
        )
        return cursor.fetchone()[0]


def _vacuums() -> int:
    return records_stat("vacuum_count")


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_rollback_vacuums_the_records_and_a_small_one_does_not(imports, make_member):
    for index in range(50):
        make_member(f"v{index:03d}", external_id=f"v{index:03d}")
    for index in range(10):
        make_member(f"s{index:03d}", external_id=f"s{index:03d}")
    large_file = _file("v", members=50, days=210)  # 10,500 rows: above the 10,000-row threshold
    small = imports.import_text(_file("s", members=10, days=2), key="small").json()
    large = imports.import_text(large_file, key="large").json()
    small_id, large_id = small["id"], large["id"]
    assert DailyRecord.objects.count() == 10_520

    before = _vacuums()
    assert imports.rollback(small_id).json()["status"] == "rolled_back"
    assert _vacuums() == before
    assert imports.rollback(large_id).json()["status"] == "rolled_back"
    assert _vacuums() == before + 1
    assert DailyRecord.objects.count() == 0

    assert imports.import_text(large_file, key="again").json()["createdCount"] == 10_500
