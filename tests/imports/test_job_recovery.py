"""No import is left pending for ever: an unexpected error fails the job (with a code) and the batch, and a
retry with the same idempotency key runs it again; a broker that cannot be reached is a quick 503 with
nothing left queued; the sweeper (`manage.py imports_sweep`, beat's `imports.sweep`) queues again, or fails,
jobs whose process died; a failed upload leaves no file."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from apps.attendance.models import DailyRecord
from apps.audit.models import OperationLog
from apps.imports import merge
from apps.imports.models import ImportBatch, ImportJob, Upload
from tests.deploy.harness import free_port

pytestmark = pytest.mark.django_db

EXPORT = (
    "每日统计表,,,,\n"
    "日期,工号,姓名,UserId,上班1打卡时间,下班1打卡时间\n"
    "2026-03-02,E1,张三,u0001,09:00,18:00\n"
    "2026-03-02,E2,李四,u0002,09:05,18:00\n"
)


@pytest.fixture
def broken_merge(monkeypatch):
    """The merge raises an error nobody expected (a bug), until `fixed()` is called."""
    state = {"broken": True}
    real = merge.merge_staging

    def merge_staging(**kwargs):
        if state["broken"]:
            raise RuntimeError("a bug in the merge")
        return real(**kwargs)

    monkeypatch.setattr(merge, "merge_staging", merge_staging)
    return lambda: state.update(broken=False)


def test_an_unexpected_error_in_a_commit_fails_batch_and_job_and_the_same_key_runs_it_again(
    imports, staff, broken_merge
):
    upload_id = imports.upload(EXPORT)
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "bug-1")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "IMPORT_FAILED"
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.error_code) == ("failed", "IMPORT_FAILED")
    job = ImportJob.objects.get()
    assert (job.status, job.error_code) == ("failed", "IMPORT_FAILED")
    assert not DailyRecord.objects.exists()

    broken_merge()
    again = imports.commit(token, "bug-1")  # the same (used) token and key: the batch runs again
    assert again.status_code == 200, again.json()
    assert (again.json()["id"], again.json()["status"], again.json()["createdCount"]) == (
        batch.pk,
        "completed",
        2,
    )
    assert ImportBatch.objects.count() == 1
    assert DailyRecord.objects.count() == 2
    assert OperationLog.objects.filter(action="imports.batch.retry").count() == 1


def test_a_failure_of_the_file_is_answered_again_not_re_run(imports, staff):
    bad = EXPORT + "2026-02-30,E1,张三,u0001,09:00,18:00\n"
    first = imports.import_text(bad, key="bad-file")
    assert first.status_code == 422
    second = imports.import_text(bad, key="bad-file")
    assert second.status_code == 422
    assert second.json()["error"]["code"] == "IMPORT_ROWS_INVALID"
    assert ImportJob.objects.get().attempts == 1


def test_an_unexpected_error_in_a_job_fails_it_instead_of_leaving_it_running(
    imports, staff, broken_merge, django_capture_on_commit_callbacks
):
    upload_id = imports.upload(EXPORT)
    token = imports.prepare(upload_id).json()["commitToken"]
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.commit(token, "bug-async", **{"async": True})
    assert response.status_code == 202
    job = imports.api.get(f"/api/attendance/import/jobs/{response.json()['job']['id']}").json()
    assert (job["status"], job["errorCode"]) == ("failed", "IMPORT_FAILED")
    assert ImportBatch.objects.get().status == "failed"


def test_an_unexpected_error_in_a_preview_job_fails_it(
    imports, staff, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.imports.services import previews

    def broken(**kwargs):
        raise RuntimeError("a bug in the preview")

    monkeypatch.setattr(previews, "staged_actions", broken)
    upload_id = imports.upload(EXPORT)
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.preview(upload_id, **{"async": True})
    assert response.status_code == 202
    job = imports.api.get(f"/api/attendance/import/jobs/{response.json()['id']}").json()
    assert (job["status"], job["errorCode"]) == ("failed", "IMPORT_FAILED")


@pytest.fixture
def unreachable_broker():
    """Celery not eager, its broker a closed port on this machine."""
    from config.celery import app as celery_app

    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.task_always_eager, conf.broker_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_cannot_be_reached_is_a_quick_503_and_leaves_nothing_queued(
    imports, staff, unreachable_broker
):
    upload_id = imports.upload(EXPORT)
    token = imports.prepare(upload_id).json()["commitToken"]
    started = time.monotonic()
    response = imports.commit(token, "no-broker", **{"async": True})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.content[:300]
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["Retry-After"]
    assert elapsed < 10  # not kombu's default of retrying for 19 s and more
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.error_code) == ("failed", "SERVICE_UNAVAILABLE")
    assert ImportJob.objects.get().status == "failed"

    preview = imports.preview(upload_id, **{"async": True})
    assert preview.status_code == 503
    assert not ImportJob.objects.filter(status__in=["queued", "running"]).exists()


@pytest.mark.django_db(transaction=True)
def test_after_the_broker_is_back_the_same_key_runs_the_batch(imports, staff, unreachable_broker):
    from config.celery import app as celery_app

    upload_id = imports.upload(EXPORT)
    token = imports.prepare(upload_id).json()["commitToken"]
    assert imports.commit(token, "broker-back", **{"async": True}).status_code == 503
    celery_app.conf.task_always_eager = True  # the broker is back (an eager one)
    again = imports.commit(token, "broker-back", **{"async": True})
    assert again.status_code == 200, again.json()
    assert again.json()["status"] == "completed"
    assert DailyRecord.objects.count() == 2


def test_the_sweeper_queues_again_a_job_whose_process_died(
    imports, staff, django_capture_on_commit_callbacks
):
    upload_id = imports.upload(EXPORT)
    token = imports.prepare(upload_id).json()["commitToken"]
    # Committed, but the message never reached a worker (its process died right after the commit).
    response = imports.commit(token, "lost", **{"async": True})
    assert response.status_code == 202
    job_id = response.json()["job"]["id"]
    call_command("imports_sweep")  # its heartbeat is fresh: left alone
    assert ImportJob.objects.get(pk=job_id).status == "queued"
    later = time_machine.travel(
        ImportJob.objects.get(pk=job_id).heartbeat_at + timedelta(minutes=3), tick=False
    )
    with later, django_capture_on_commit_callbacks(execute=True):
        call_command("imports_sweep")
    job = ImportJob.objects.get(pk=job_id)
    assert (job.status, job.recoveries) == ("completed", 1)
    assert ImportBatch.objects.get().status == "completed"
    assert DailyRecord.objects.count() == 2
    assert OperationLog.objects.filter(action="imports.jobs.recover").count() == 1


def test_the_sweeper_fails_a_job_it_recovered_too_often_and_the_key_runs_it_again(imports, staff, settings):
    upload_id = imports.upload(EXPORT)
    token = imports.prepare(upload_id).json()["commitToken"]
    job_id = imports.commit(token, "stuck", **{"async": True}).json()["job"]["id"]
    ImportJob.objects.filter(pk=job_id).update(
        status="running", recoveries=settings.IMPORT_JOB_MAX_RECOVERIES
    )
    call_command("imports_sweep", stale_seconds=0)
    job = ImportJob.objects.get(pk=job_id)
    assert (job.status, job.error_code) == ("failed", "IMPORT_INTERRUPTED")
    assert ImportBatch.objects.get().error_code == "IMPORT_INTERRUPTED"
    again = imports.commit(token, "stuck")
    assert again.status_code in (200, 202)
    assert ImportBatch.objects.get().status in ("pending", "completed")
    assert ImportJob.objects.get(pk=job_id).status in ("queued", "completed")


def test_the_sweep_runs_from_beat():
    assert settings.CELERY_BEAT_SCHEDULE["imports-sweep"] == {"task": "imports.sweep", "schedule": 60}
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] < 3600


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize("query", ["?filename=a%00b.csv", "?filename=" + "x" * 300 + ".csv"])
def test_a_failed_upload_leaves_no_file(imports, staff, query):
    response = imports.api.generic(
        "POST", f"/api/attendance/import/upload{query}", data=EXPORT.encode(), content_type="text/csv"
    )
    assert response.status_code in (201, 400), response.content[:300]
    assert len(stored_files()) == Upload.objects.count()


def test_a_database_error_while_recording_an_upload_leaves_no_file(imports, staff, monkeypatch):
    from apps.imports.services import uploads

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(uploads, "audit_record", broken)
    assert imports.upload_bytes(EXPORT.encode()).status_code == 500
    assert stored_files() == []


def test_the_janitor_deletes_files_no_upload_owns(imports, staff):
    imports.upload(EXPORT)
    orphan = Path(settings.MEDIA_ROOT) / "imports" / "ab" / "orphan"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a killed process")
    with time_machine.travel(timedelta(days=2)):
        call_command("import_janitor")
    assert not orphan.exists()
