"""Commit: one batch per idempotency key, set-based writes, all or nothing, batches and their items."""

import csv
import io

import pytest

from apps.attendance.models import DailyRecord
from apps.audit.models import OperationLog
from apps.imports.models import ImportBatch, ImportItem, ImportJob

pytestmark = pytest.mark.django_db

HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n"
FILE = HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-02,u0002,09:12,18:00,迟到,堵车\n"


def test_a_small_commit_answers_with_the_completed_batch_and_writes_the_records(imports, staff):
    response = imports.import_text(FILE)
    assert response.status_code == 200
    batch = response.json()
    assert batch["status"] == "completed"
    assert (batch["createdCount"], batch["updatedCount"], batch["totalRows"]) == (2, 0, 2)
    assert batch["idempotent"] is False
    record = DailyRecord.objects.get(member=staff["li"])
    assert (record.status, record.note, record.source, record.source_batch_id) == (
        "late",
        "堵车",
        "import",
        batch["id"],
    )
    assert record.first_in_at.isoformat() == "2026-03-02T01:12:00+00:00"
    assert record.worked_minutes == 528
    assert record.version == 1
    log = OperationLog.objects.get(action="imports.batch.commit")
    assert log.details["created"] == 2 and log.details["rows"] == 2


def test_retrying_with_the_same_key_and_payload_returns_the_same_batch(imports, staff):
    upload_id = imports.upload(FILE)
    token = imports.prepare(upload_id).json()["commitToken"]
    first = imports.commit(token, "retry-me").json()
    again = imports.commit(token, "retry-me").json()
    assert again["id"] == first["id"]
    assert again["idempotent"] is True
    # A client that lost the answer, prepared again and retried with the same key gets the batch too.
    token2 = imports.prepare(upload_id).json()["commitToken"]
    assert imports.commit(token2, "retry-me").json()["id"] == first["id"]
    assert ImportBatch.objects.count() == 1
    assert DailyRecord.objects.filter(version=1).count() == 2
    assert OperationLog.objects.filter(action="imports.batch.commit").count() == 1


def test_the_same_key_with_another_payload_is_409_and_changes_nothing(imports, staff):
    imports.import_text(FILE, key="k1")
    other = HEADER + "2026-03-03,u0001,09:00,18:00,正常,\n"
    response = imports.import_text(other, key="k1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert ImportBatch.objects.count() == 1
    assert DailyRecord.objects.count() == 2


def test_the_key_may_come_in_the_idempotency_key_header(imports, staff):
    token = imports.prepare(imports.upload(FILE)).json()["commitToken"]
    response = imports.api.post(
        "/api/attendance/import/commit", {"commitToken": token}, format="json", HTTP_IDEMPOTENCY_KEY="hdr-1"
    )
    assert response.status_code == 200
    assert response.json()["idempotencyKey"] == "hdr-1"


@pytest.mark.parametrize("key", ["", "has space", "x" * 129])
def test_a_missing_or_malformed_key_is_400(imports, staff, key):
    response = imports.import_text(FILE, key=key)
    assert response.status_code == 400
    assert ImportBatch.objects.count() == 0


def test_invalid_rows_reject_the_whole_file_by_default(imports, staff):
    text = FILE + "2026-13-01,u0001,09:00,18:00,正常,\n2026-03-03,u0001,9点,18:00,正常,\n"
    response = imports.import_text(text, key="bad")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "IMPORT_ROWS_INVALID"
    assert [(e["line"], e["code"]) for e in error["details"]["errors"]] == [
        (4, "INVALID_DATE"),
        (5, "INVALID_TIME"),
    ]
    assert DailyRecord.objects.count() == 0
    assert ImportItem.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    # The retry gets the same answer, and still nothing is written.
    token = imports.prepare(imports.upload(text)).json()["commitToken"]
    retry = imports.commit(token, "bad")
    assert retry.status_code == 422
    assert retry.json()["error"]["code"] == "IMPORT_ROWS_INVALID"
    assert DailyRecord.objects.count() == 0


def test_on_error_skip_imports_the_valid_rows_and_keeps_the_rejected_for_errors_csv(imports, staff):
    text = FILE + "2026-03-03,nobody,09:00,18:00,正常,\n2026-03-02,u0001,10:00,18:00,迟到,\n"
    batch = imports.import_text(text, onError="skip").json()
    assert (batch["createdCount"], batch["failedCount"], batch["skippedCount"]) == (2, 1, 1)
    assert DailyRecord.objects.get(member=staff["zhang"]).status == "normal"  # the first row wins
    items = imports.api.get(f"/api/attendance/import/batches/{batch['id']}/items?status=failed").json()
    assert items["count"] == 1
    assert items["results"][0]["errorCode"] == "UNKNOWN_MEMBER"
    assert items["results"][0]["raw"] == ["2026-03-03", "nobody", "09:00", "18:00", "正常", ""]
    response = imports.api.get(f"/api/attendance/import/batches/{batch['id']}/errors.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][3:] == ["日期", "UserId", "上班1打卡时间", "下班1打卡时间", "考勤结果", "异常原因"]
    assert rows[1][:3] == ["4", "UNKNOWN_MEMBER", rows[1][2]]
    assert rows[1][3:] == ["2026-03-03", "nobody", "09:00", "18:00", "正常", ""]
    assert rows[2][:2] == ["5", "DUPLICATE_ROW"]


def test_a_second_commit_of_changed_rows_updates_and_bumps_versions(imports, staff):
    imports.import_text(FILE, key="one")
    changed = HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-02,u0002,09:00,18:00,正常,\n"
    batch = imports.import_text(changed, key="two").json()
    assert (batch["createdCount"], batch["updatedCount"], batch["unchangedCount"]) == (0, 1, 1)
    li = DailyRecord.objects.get(member=staff["li"])
    assert (li.status, li.version, li.source_batch_id) == ("normal", 2, batch["id"])
    assert DailyRecord.objects.get(member=staff["zhang"]).version == 1


def test_a_line_that_changes_nothing_is_counted_and_writes_no_item(imports, staff):
    imports.import_text(FILE, key="one")
    changed = HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-02,u0002,09:00,18:00,正常,\n"
    batch = imports.import_text(changed, key="two").json()
    assert (batch["totalRows"], batch["updatedCount"], batch["unchangedCount"]) == (2, 1, 1)
    # Only the line that changed a record has an item (its rollback snapshot); the unchanged one is counted.
    assert list(ImportItem.objects.filter(batch_id=batch["id"]).values_list("line", "outcome")) == [
        (3, "updated")
    ]
    url = f"/api/attendance/import/batches/{batch['id']}/items"
    assert imports.api.get(f"{url}?status=unchanged").json()["count"] == 0
    again = imports.import_text(changed, key="three").json()
    assert (again["status"], again["unchangedCount"], again["updatedCount"]) == ("completed", 2, 0)
    assert not ImportItem.objects.filter(batch_id=again["id"]).exists()

    # Rolling back the file imported again undoes nothing and leaves the records as they were.
    def records():
        return list(
            DailyRecord.objects.order_by("id").values_list("id", "version", "status", "source_batch_id")
        )

    before = records()
    assert imports.rollback(again["id"]).json()["status"] == "rolled_back"
    assert records() == before


def test_an_async_commit_answers_202_and_the_job_reports_progress(
    imports, staff, django_capture_on_commit_callbacks
):
    token = imports.prepare(imports.upload(FILE)).json()["commitToken"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = imports.commit(token, "async-1", **{"async": True})
    assert response.status_code == 202
    body = response.json()
    assert body["batch"]["status"] == "pending"
    assert len(callbacks) == 1
    job = imports.api.get(f"/api/attendance/import/jobs/{body['job']['id']}").json()
    assert job["status"] == "completed"
    assert (job["processed"], job["total"]) == (2, 2)
    assert job["result"]["batchId"] == body["batch"]["id"]
    assert (
        imports.api.get(f"/api/attendance/import/batches/{body['batch']['id']}").json()["status"]
        == "completed"
    )


def test_running_a_finished_commit_job_again_changes_nothing(imports, staff):
    from apps.imports.tasks import import_job_run

    batch = imports.import_text(FILE).json()
    job = ImportJob.objects.get(batch_id=batch["id"])
    import_job_run.delay(job_id=job.pk)  # a redelivery
    assert DailyRecord.objects.filter(version=1).count() == 2
    assert ImportItem.objects.count() == 2
    assert OperationLog.objects.filter(action="imports.batch.commit").count() == 1


def test_batches_list_and_detail_are_scoped_and_paginated(
    imports, staff, make_member, other_org, api_as, django_assert_max_num_queries
):
    from apps.access import roles

    for key in ("a", "b", "c"):
        imports.import_text(HEADER + f"2026-03-0{ord(key) - 96},u0001,09:00,18:00,正常,\n", key=key)
    with django_assert_max_num_queries(8):
        page = imports.api.get("/api/attendance/import/batches?pageSize=2").json()
    assert page["count"] == 3
    assert [b["idempotencyKey"] for b in page["results"]] == ["c", "b"]
    outsider = api_as(make_member("otto", roles.IMPORTER, organization=other_org))
    assert outsider.get("/api/attendance/import/batches").json()["count"] == 0
    assert outsider.get(f"/api/attendance/import/batches/{page['results'][0]['id']}").status_code == 404


def test_batch_items_are_paginated_and_filtered(imports, staff, django_assert_max_num_queries):
    batch = imports.import_text(FILE).json()
    with django_assert_max_num_queries(8):
        items = imports.api.get(f"/api/attendance/import/batches/{batch['id']}/items?status=created").json()
    assert [item["line"] for item in items["results"]] == [2, 3]


def test_employees_cannot_commit_or_list_batches(api_as, make_member):
    from apps.access import roles

    employee = api_as(make_member("erin", roles.EMPLOYEE))
    assert employee.get("/api/attendance/import/batches").status_code == 403
    response = employee.post(
        "/api/attendance/import/commit", {"commitToken": "x", "idempotencyKey": "k"}, format="json"
    )
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0
