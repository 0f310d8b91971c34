"""Records written by an import survive recomputation: without punches they are kept; with punches the
imported times count as punches. `records_recompute` is the function the imports app calls."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.attendance.models import DailyRecord
from apps.attendance.services import records_recompute
from tests.attendance.conftest import at, client_for, post_punch

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def imported(org, team):
    return DailyRecord.objects.create(
        organization=org,
        member=team["emma"],
        work_date=DAY,
        first_in_at=datetime(2026, 3, 2, 9, 20, tzinfo=SH),
        last_out_at=datetime(2026, 3, 2, 18, 0, tzinfo=SH),
        worked_minutes=460,
        late_minutes=20,
        status="late",
        source="import",
        source_batch_id=7,
        version=3,
    )


def test_recompute_keeps_an_imported_day_without_punches(org, team, imported):
    result = records_recompute(organization=org, member_ids=[team["emma"].pk], dates=[DAY])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    record = DailyRecord.objects.get()
    assert (record.status, record.late_minutes, record.version, record.source_batch_id) == ("late", 20, 3, 7)


def test_a_punch_on_an_imported_day_counts_with_the_imported_times(team, imported):
    post_punch(client_for(team["emma"]), at("2026-03-02 08:55"), "in")
    record = DailyRecord.objects.get()
    assert record.status == "normal"
    assert record.first_in_at == datetime(2026, 3, 2, 8, 55, tzinfo=SH)
    assert record.last_out_at == datetime(2026, 3, 2, 18, 0, tzinfo=SH)
    assert (record.source, record.source_batch_id, record.version) == ("import", 7, 4)


def test_recompute_rejects_too_long_ranges(org, team):
    from datetime import timedelta

    from apps.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        records_recompute(
            organization=org,
            member_ids=[team["emma"].pk],
            dates=[DAY + timedelta(days=n) for n in range(401)],
        )
    assert error.value.code == "DATE_RANGE_TOO_LONG"
    assert not DailyRecord.objects.exists()
