"""`manage.py import_bench` runs end to end on a small file: real gunicorn, a real Celery worker on Redis,
the HTTP API, and the summary file with every figure, its ratio to the floor and the peak memory."""

import json
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from apps.attendance.models import DailyRecord

needs_postgres = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
)
needs_redis = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="needs Redis: set REDIS_URL=redis://..."
)
FIGURES = {
    "uploadMs", "previewMs", "commitMs", "exportMs", "commitSameFileMs", "commitUpdatesMs",
    "rollbackUpdatesMs", "rollbackMs", "commitWithoutPreviewMs",
}  # fmt: skip


@needs_postgres
@needs_redis
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_measures_every_figure_through_the_api(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = StringIO()
    call_command("import_bench", rows=400, output=str(tmp_path / "perf"), web_workers=1, stdout=out)
    summary = json.loads((tmp_path / "perf" / "perf-summary.json").read_text(encoding="utf-8"))
    assert (summary["rows"], summary["users"], summary["days"]) == (400, 3, 180)
    assert set(summary["ratios"]) == FIGURES
    assert all(summary[name] > 0 for name in FIGURES)
    assert summary["floorMs"] >= 0
    assert summary["peakMemoryMb"]["web"] > 0 and summary["peakMemoryMb"]["worker"] > 0
    assert (tmp_path / "perf" / "perf-summary-400.json").exists()
    assert set(summary["settledMs"]) == FIGURES  # every figure waited for the database to be quiet first
    # The last step (a commit without preview) leaves the 400 rows imported.
    assert DailyRecord.objects.filter(organization__slug="perf-bench").count() == 400


@pytest.mark.django_db
def test_the_benchmark_refuses_sqlite_or_a_bad_row_count(settings):
    if not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        expected = "PostgreSQL"
    elif not django_settings.REDIS_URL:
        expected = "Celery worker"
    else:
        expected = "--rows"
    with pytest.raises(CommandError, match=expected):
        call_command("import_bench", rows=0, stdout=StringIO())
