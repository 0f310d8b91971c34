"""Import rows, phase durations and job outcomes on /metrics."""

import pytest

from tests.imports.test_commit import FILE
from tests.metrics import scrape, value

pytestmark = pytest.mark.django_db


def _snapshot():
    samples = scrape()
    return {
        "validated": value(samples, "timeledger_import_rows_total", phase="validate", outcome="valid"),
        "created": value(samples, "timeledger_import_rows_total", phase="merge", outcome="created"),
        "restored": value(samples, "timeledger_import_rows_total", phase="rollback", outcome="restored"),
        "merges": value(samples, "timeledger_import_phase_seconds_count", phase="merge"),
        "rollbacks": value(samples, "timeledger_import_phase_seconds_count", phase="rollback"),
        "completed": value(samples, "timeledger_jobs_total", kind="import_commit", outcome="completed"),
        "failed": value(samples, "timeledger_jobs_total", kind="import_commit", outcome="failed"),
    }


def test_a_commit_and_its_rollback_count_rows_phases_and_the_job(
    imports, staff, django_capture_on_commit_callbacks
):
    before = _snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        batch = imports.import_text(FILE).json()
        assert batch["status"] == "completed"
        assert imports.api.post(f"/api/attendance/import/batches/{batch['id']}/rollback").status_code == 200

    after = _snapshot()
    assert after["validated"] == before["validated"] + 2
    assert after["created"] == before["created"] + 2
    assert after["restored"] == before["restored"] + 2
    assert after["merges"] == before["merges"] + 1
    assert after["rollbacks"] == before["rollbacks"] + 1
    assert after["completed"] == before["completed"] + 1
    assert after["failed"] == before["failed"]


def test_a_rejected_commit_counts_a_failed_job(imports, staff, django_capture_on_commit_callbacks):
    before = _snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = imports.import_text(FILE + "not-a-date,u0001,09:00,18:00,正常,\n")

    assert response.status_code == 422
    after = _snapshot()
    assert after["failed"] == before["failed"] + 1
    assert after["created"] == before["created"]
