"""`manage.py import_bench` runs end to end on a small file: real gunicorn, a real Celery worker on Redis,
the HTTP API, and the summary file with every figure, its ratio to the floor and the peak memory, and the
hand-written baseline script timed in the same run with the ratios to it."""

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
SCRIPT_FIGURES = {"scriptMs", "scriptAgainMs", "copyToMs"}
RATIOS_TO_SCRIPT = {"commitFresh", "changedFile", "sameFileAgain", "export", "commitWithoutPreview"}


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
    # every figure, the script's too, waited for the database to be quiet first
    assert set(summary["settledMs"]) == FIGURES | SCRIPT_FIGURES
    # The baseline: the script fresh and over existing rows, a bare COPY TO, and each ratio with its target.
    assert all(isinstance(summary[name], int | float) and summary[name] >= 0 for name in SCRIPT_FIGURES)
    ratios = summary["ratiosToScript"]
    assert set(ratios) == RATIOS_TO_SCRIPT
    assert all(isinstance(value, int | float) and value > 0 for value in ratios.values())
    assert set(summary["targetsToScript"]) == RATIOS_TO_SCRIPT - {"commitWithoutPreview"}
    # The script is a fair yardstick: it wrote exactly the records the product's commit wrote.
    assert summary["sameRecordsAsScript"] is True
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
