"""A preview keeps the rows it validated (ValidatedSet) and the commit of the same upload merges them
without a second pass over the file, but only while nothing the validation depends on has changed."""

import datetime
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.attendance import hooks as attendance_hooks
from apps.attendance.models import DailyRecord
from apps.imports.models import ImportItem, Upload, ValidatedSet

FILE = (
    "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n"
    "2026-03-02,u0001,09:00,18:00,正常\n"
    "2026-03-02,u0002,09:20,18:00,迟到\n"
    "2026-03-03,u0001,09:00,18:00,正常\n"
)


def _commit(imports, upload_id: int, key: str, **extra):
    prepared = imports.prepare(upload_id, **({"mapping": extra.pop("mapping")} if "mapping" in extra else {}))
    assert prepared.status_code == 201, prepared.json()
    return imports.commit(prepared.json()["commitToken"], key, **extra)


def _validated_by(imports, batch: dict) -> str:
    job = imports.api.get(f"/api/attendance/import/jobs/{batch['jobId']}").json()
    return job["result"]["validatedBy"]


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return {t for t in connection.introspection.table_names(cursor) if t.startswith("imports_vset_")}


def _records() -> list[tuple]:
    return list(
        DailyRecord.objects.order_by("member__external_id", "work_date").values_list(
            "member__external_id", "work_date", "first_in_at", "last_out_at", "worked_minutes", "status"
        )
    )


def test_a_commit_after_a_preview_merges_the_previewed_rows(imports, staff):
    upload_id = imports.upload(FILE)
    assert imports.preview(upload_id).status_code == 200
    response = _commit(imports, upload_id, "after-preview")
    assert response.status_code == 200, response.json()
    batch = response.json()
    assert (batch["createdCount"], batch["status"]) == (3, "completed")
    assert _validated_by(imports, batch) == "preview"
    kept = _records()

    # The same file committed without a preview gives exactly the same records.
    DailyRecord.objects.all().delete()
    other = imports.upload(FILE.replace("\n", "\r\n"))
    response = _commit(imports, other, "no-preview")
    assert _validated_by(imports, response.json()) == "commit"
    assert _records() == kept


def test_a_commit_with_another_mapping_validates_the_file_itself(imports, staff):
    upload_id = imports.upload(FILE)
    imports.preview(upload_id)
    response = _commit(imports, upload_id, "mapped", mapping={"user_id": "UserId", "work_date": "日期"})
    assert response.status_code == 200, response.json()
    assert _validated_by(imports, response.json()) == "commit"


def test_a_member_deactivated_after_the_preview_is_refused_at_commit(imports, staff):
    upload_id = imports.upload(FILE)
    assert imports.preview(upload_id).json()["summary"]["valid"] == 3
    staff["li"].is_active = False
    staff["li"].save(update_fields=["is_active"])
    response = _commit(imports, upload_id, "stale")
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "IMPORT_ROWS_INVALID"
    assert [error["code"] for error in body["details"]["errors"]] == ["MEMBER_INACTIVE"]
    assert DailyRecord.objects.count() == 0


def test_a_member_created_after_the_preview_is_imported(imports, staff, make_member):
    upload_id = imports.upload(FILE + "2026-03-02,u0009,09:00,18:00,正常\n")
    assert imports.preview(upload_id).json()["summary"]["unknownMembers"] == 1
    make_member("newbie", external_id="u0009")
    response = _commit(imports, upload_id, "new-member")
    assert response.json()["createdCount"] == 4
    assert _validated_by(imports, response.json()) == "commit"


def test_skipped_and_failed_lines_of_a_kept_preview_become_items(imports, staff):
    upload_id = imports.upload(
        FILE + "2026-03-02,u0001,09:00,18:00,正常\n2026-13-40,u0001,09:00,18:00,正常\n"
    )
    imports.preview(upload_id)
    response = _commit(imports, upload_id, "with-rejects", onError="skip")
    batch = response.json()
    assert _validated_by(imports, batch) == "preview"
    assert (batch["createdCount"], batch["skippedCount"], batch["failedCount"]) == (3, 1, 1)
    rejected = ImportItem.objects.exclude(status="imported").order_by("line")
    assert [(item.line, item.status, item.error_code) for item in rejected] == [
        (5, "skipped", "DUPLICATE_ROW"),
        (6, "failed", "INVALID_DATE"),
    ]
    assert rejected[1].raw == ["2026-13-40", "u0001", "09:00", "18:00", "正常"]


def test_kept_rows_lost_by_a_database_crash_are_not_trusted(imports, staff):
    upload_id = imports.upload(FILE)
    imports.preview(upload_id)
    kept = ValidatedSet.objects.get(upload_id=upload_id)
    with connection.cursor() as cursor:  # what a crash does to an UNLOGGED table
        cursor.execute(f"DELETE FROM {kept.table}")  # noqa: S608 - our own table name
    response = _commit(imports, upload_id, "after-crash")
    assert response.json()["createdCount"] == 3
    assert _validated_by(imports, response.json()) == "commit"


def test_a_kept_preview_is_used_while_nothing_is_locked_and_not_once_a_lock_appears(imports, staff):
    locked: set = set()

    def checker(*, organization_id, member_ids, dates):
        return {(m, day) for m in member_ids for day in dates if day in locked}

    def span(*, organization_id, start, end):
        return any(start <= day <= end for day in locked)

    attendance_hooks.register_lock_checker(checker, span=span)
    try:
        upload_id = imports.upload(FILE)
        imports.preview(upload_id)
        assert _validated_by(imports, _commit(imports, upload_id, "free").json()) == "preview"
        upload_id = imports.upload(FILE.replace("2026-03-02", "2026-03-05"))
        imports.preview(upload_id)
        locked.add(datetime.date(2026, 3, 5))  # a cycle is locked between the preview and the commit
        response = _commit(imports, upload_id, "locked-after")
    finally:
        attendance_hooks.unregister_lock_checker(checker)
    assert _validated_by(imports, response.json()) == "commit"
    assert response.json()["skippedCount"] >= 1


def test_a_failed_preview_keeps_nothing(imports, staff):
    upload_id = imports.upload("no,header,here\n1,2,3\n")
    assert imports.preview(upload_id).status_code == 422
    assert not ValidatedSet.objects.exists()
    assert _tables() == set()


@pytest.mark.django_db(transaction=True)
def test_the_janitor_drops_kept_previews_that_can_no_longer_be_used(imports, staff):
    first = imports.upload(FILE)
    imports.preview(first)
    imports.preview(first)  # replaces the first preview's set
    expired = imports.upload(FILE)
    imports.preview(expired)
    older, newer = ValidatedSet.objects.filter(upload_id=first).order_by("id")
    gone = ValidatedSet.objects.get(upload_id=expired)
    ValidatedSet.objects.filter(pk=older.pk).update(completed_at=timezone.now() - timedelta(hours=1))
    Upload.objects.filter(pk=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert {older.table, newer.table, gone.table} <= _tables()

    out = StringIO()
    call_command("import_janitor", stdout=out)
    assert "dropped 2 kept preview(s)" in out.getvalue()
    assert list(ValidatedSet.objects.values_list("id", flat=True)) == [newer.pk]
    assert _tables() == {newer.table, newer.rejects_table}
    response = _commit(imports, first, "after-janitor")
    assert _validated_by(imports, response.json()) == "preview"
