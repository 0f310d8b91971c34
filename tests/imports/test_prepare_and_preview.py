"""Prepare issues a single-use commit token kept in the database; preview validates every row and says
what a commit would do, and runs as a job for large files."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.access import roles
from apps.attendance import hooks as attendance_hooks
from apps.imports.models import CommitToken, ImportJob

pytestmark = pytest.mark.django_db

FILE = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n2026-03-02,u0001,09:00,18:00,正常\n2026-03-02,u0002,09:00,18:00,正常\n"


def test_prepare_returns_a_token_stored_only_as_a_hash(imports, staff):
    upload_id = imports.upload(FILE)
    response = imports.prepare(upload_id)
    assert response.status_code == 201
    body = response.json()
    assert body["ttlSeconds"] == 600
    assert body["uploadId"] == upload_id
    token = CommitToken.objects.get()
    assert body["commitToken"] not in {token.token_hash}
    assert token.upload_id == upload_id and token.used_at is None


def test_a_used_token_is_409_for_another_key(imports, staff):
    upload_id = imports.upload(FILE)
    token = imports.prepare(upload_id).json()["commitToken"]
    assert imports.commit(token, "first").status_code == 200
    response = imports.commit(token, "second")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "COMMIT_TOKEN_USED"


def test_an_expired_token_is_410_and_commits_nothing(imports, staff):
    from apps.attendance.models import DailyRecord

    token = imports.prepare(imports.upload(FILE)).json()["commitToken"]
    CommitToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = imports.commit(token, "late")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "EXPIRED"
    assert DailyRecord.objects.count() == 0


def test_someone_elses_token_is_403_and_stays_unused(imports, staff, make_member, api_as):
    token = imports.prepare(imports.upload(FILE)).json()["commitToken"]
    colleague = make_member("carl", roles.IMPORTER)
    response = api_as(colleague).post(
        "/api/attendance/import/commit", {"commitToken": token, "idempotencyKey": "k"}, format="json"
    )
    assert response.status_code == 403
    assert CommitToken.objects.get().used_at is None


def test_an_unknown_token_is_404(imports, staff):
    response = imports.commit("ict_not-a-token", "k")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "COMMIT_TOKEN_INVALID"


def test_prepare_accepts_inline_csv_text(client_for, staff):
    response = client_for.post("/api/attendance/import/prepare", {"csvText": FILE}, format="json")
    assert response.status_code == 201
    assert response.json()["commitToken"].startswith("ict_")


def test_prepare_needs_exactly_one_source(client_for, staff):
    response = client_for.post("/api/attendance/import/prepare", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_preview_summary_counts_creates_updates_and_unchanged(imports, staff):
    imports.import_text(FILE, key="base")
    changed = (
        "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n"
        "2026-03-02,u0001,09:00,18:00,正常\n"  # same as stored
        "2026-03-02,u0002,09:30,18:00,迟到\n"  # changed
        "2026-03-03,u0002,09:00,18:00,正常\n"  # new
        "2026-03-03,nobody,09:00,18:00,正常\n"  # unknown
        "2026-03-03,u0002,09:00,18:00,正常\n"  # duplicate
    )
    body = imports.preview(imports.upload(changed), previewLimit=2).json()
    summary = body["summary"]
    assert summary == {
        "totalRows": 5,
        "ignoredRows": 0,
        "valid": 3,
        "invalid": 1,
        "duplicates": 1,
        "unknownMembers": 1,
        "locked": 0,
        "errorCounts": {"DUPLICATE_ROW": 1, "UNKNOWN_MEMBER": 1},
        "toCreate": 1,
        "toUpdate": 1,
        "unchanged": 1,
        "warnings": 0,
    }
    assert [row["action"] for row in body["rows"]] == ["unchanged", "update"]
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(5, "UNKNOWN_MEMBER"), (6, "DUPLICATE_ROW")]


def test_preview_writes_no_records(imports, staff):
    from apps.attendance.models import DailyRecord

    imports.preview(imports.upload(FILE))
    assert DailyRecord.objects.count() == 0


def test_rows_in_a_locked_period_are_reported_and_not_imported(imports, staff):
    from apps.attendance.models import DailyRecord

    def march_2_is_locked(*, organization_id, member_ids, dates):
        return {(m, day) for m in member_ids for day in dates if day.isoformat() == "2026-03-02"}

    attendance_hooks.register_lock_checker(march_2_is_locked)
    try:
        text = FILE + "2026-03-03,u0001,09:00,18:00,正常\n"
        body = imports.preview(imports.upload(text)).json()
        assert body["summary"]["locked"] == 2
        assert body["summary"]["valid"] == 1
        assert body["summary"]["toCreate"] == 1
        assert [row["state"] for row in body["rows"]] == ["locked", "locked", "valid"]
        response = imports.import_text(text)
        assert response.json()["skippedCount"] == 2
        assert response.json()["createdCount"] == 1
        assert list(DailyRecord.objects.values_list("work_date", flat=True)) == [
            timezone.datetime(2026, 3, 3).date()
        ]
    finally:
        attendance_hooks.unregister_lock_checker(march_2_is_locked)


def test_a_lock_checker_that_reads_the_database_works_during_the_pass(imports, staff):
    """Payroll's checker will read its periods from the database while the pass runs (on PostgreSQL the
    rows stream down an open COPY, which must be closed first)."""
    from apps.access.models import Membership
    from apps.attendance.models import DailyRecord

    def locked_when_stored(*, organization_id, member_ids, dates):
        stored = set(Membership.objects.filter(pk__in=member_ids).values_list("pk", flat=True))
        return {(m, day) for m in stored for day in dates if day.isoformat() == "2026-03-02"}

    # Enough rows (2 members x 1,100 days) that some are already streamed when the checker runs.
    days = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(1100)]
    text = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n" + "".join(
        f"{day.isoformat()},{user},09:00,18:00,正常\n" for day in days for user in ("u0001", "u0002")
    )
    attendance_hooks.register_lock_checker(locked_when_stored)
    try:
        assert imports.preview(imports.upload(text)).json()["summary"]["locked"] == 2
        response = imports.import_text(text)
        assert (response.json()["skippedCount"], response.json()["createdCount"]) == (2, 2198)
        assert DailyRecord.objects.count() == 2198
    finally:
        attendance_hooks.unregister_lock_checker(locked_when_stored)


def test_preview_limit_is_validated(imports, staff):
    response = imports.preview(imports.upload(FILE), previewLimit=5000)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_large_file_previews_as_a_job_with_progress(
    imports, staff, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    text = FILE + "2026-03-03,u0001,09:00,18:00,正常\n"
    upload_id = imports.upload(text)
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.preview(upload_id, previewLimit=1)
    assert response.status_code == 202
    job_id = response.json()["id"]
    job = imports.api.get(f"/api/attendance/import/jobs/{job_id}").json()
    assert job["kind"] == "preview"
    assert job["status"] == "completed"
    assert job["processed"] == job["total"] == 3
    assert job["progress"] == 1.0
    assert job["result"]["summary"]["toCreate"] == 3
    assert len(job["result"]["rows"]) == 1


def test_a_preview_job_of_a_bad_file_fails_with_the_code(imports, staff, django_capture_on_commit_callbacks):
    upload_id = imports.upload("名字\n张三\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.preview(upload_id, **{"async": True})
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == "failed"
    assert job.error_code == "IMPORT_NO_HEADER"


def test_another_organizations_job_is_404(
    imports, staff, make_member, other_org, api_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = imports.preview(imports.upload(FILE), **{"async": True}).json()["id"]
    outsider = make_member("otto", roles.IMPORTER, organization=other_org)
    assert api_as(outsider).get(f"/api/attendance/import/jobs/{job_id}").status_code == 404
