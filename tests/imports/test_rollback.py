"""Rollback restores exactly the state before a batch, is idempotent, and refuses (naming the records)
when a later change touched them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.access import roles
from apps.attendance.models import DailyRecord
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db

HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n"
BASE_FILE = HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-02,u0002,09:12,18:00,迟到,堵车\n"
SECOND_FILE = (
    HEADER
    + "2026-03-02,u0001,09:00,18:00,正常,\n"  # unchanged
    + "2026-03-02,u0002,08:55,18:30,正常,改了\n"  # updated
    + "2026-03-03,u0002,09:00,18:00,正常,\n"  # created
)
COLUMNS = (
    "id", "member_id", "work_date", "first_in_at", "last_out_at", "worked_minutes", "late_minutes",
    "early_leave_minutes", "status", "source", "source_batch_id", "note", "version",
)  # fmt: skip


def snapshot() -> list[tuple]:
    return list(DailyRecord.objects.order_by("id").values_list(*COLUMNS))


def test_rollback_deletes_created_records_and_restores_updated_ones_exactly(imports, staff):
    imports.import_text(BASE_FILE, key="base")
    before = snapshot()
    batch = imports.import_text(SECOND_FILE, key="second").json()
    assert (batch["createdCount"], batch["updatedCount"], batch["unchangedCount"]) == (1, 1, 1)
    assert snapshot() != before
    response = imports.rollback(batch["id"])
    assert response.status_code == 200
    assert response.json()["status"] == "rolled_back"
    assert snapshot() == before
    log = OperationLog.objects.get(action="imports.batch.rollback")
    assert log.details == {"deleted": 1, "restored": 1}


def test_rolling_back_twice_is_harmless(imports, staff):
    batch = imports.import_text(BASE_FILE).json()
    assert imports.rollback(batch["id"]).status_code == 200
    again = imports.rollback(batch["id"])
    assert again.status_code == 200
    assert again.json()["status"] == "rolled_back"
    assert DailyRecord.objects.count() == 0
    assert OperationLog.objects.filter(action="imports.batch.rollback").count() == 1


def test_a_batch_a_newer_batch_changed_is_superseded_until_the_newer_one_is_rolled_back(imports, staff):
    first = imports.import_text(BASE_FILE, key="first").json()
    second = imports.import_text(SECOND_FILE, key="second").json()
    before_rollback = snapshot()
    response = imports.rollback(first["id"])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "BATCH_SUPERSEDED"
    assert error["details"]["count"] == 1
    record = error["details"]["records"][0]
    assert (record["memberName"], record["workDate"], record["sourceBatchId"]) == (
        "李四",
        "2026-03-02",
        second["id"],
    )
    # The next step, in words: the later batch first.
    assert error["message"].startswith(f"Roll back batch #{second['id']} first: it changed 1 record(s)")
    assert "李四 on 2 Mar 2026" in error["message"]
    assert error["details"]["laterBatchIds"] == [second["id"]]
    assert snapshot() == before_rollback  # the refusal changed nothing
    # Newest first works: each rollback sees exactly the state its batch left.
    assert imports.rollback(second["id"]).status_code == 200
    assert imports.rollback(first["id"]).status_code == 200
    assert DailyRecord.objects.count() == 0


def test_a_punch_after_the_import_supersedes_the_batch(imports, staff, make_member):
    from apps.attendance.services.punches import punch_create

    batch = imports.import_text(BASE_FILE).json()
    admin = make_member("boss", roles.ADMIN)
    punch_create(
        member=staff["zhang"],
        kind="out",
        source="admin",
        occurred_at=datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        actor=admin,
    )
    assert DailyRecord.objects.get(member=staff["zhang"]).version == 2
    before = snapshot()
    response = imports.rollback(batch["id"])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["details"]["records"][0]["memberId"] == staff["zhang"].pk
    assert error["details"]["laterBatchIds"] == []
    assert "changed since by a punch, an approved correction or an administrator" in error["message"]
    assert error["message"].endswith("Correct those days one by one instead.")
    assert snapshot() == before


def test_a_deleted_record_supersedes_the_batch(imports, staff):
    batch = imports.import_text(BASE_FILE).json()
    DailyRecord.objects.filter(member=staff["li"]).delete()
    response = imports.rollback(batch["id"])
    assert response.status_code == 409
    assert response.json()["error"]["details"]["records"][0]["state"] == "deleted"
    assert DailyRecord.objects.count() == 1


def test_a_failed_batch_cannot_be_rolled_back(imports, staff):
    imports.import_text(HEADER + "bad-date,u0001,09:00,18:00,正常,\n", key="bad")
    batch_id = imports.api.get("/api/attendance/import/batches").json()["results"][0]["id"]
    response = imports.rollback(batch_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BATCH_NOT_ROLLBACKABLE"


def test_rollback_of_another_organizations_batch_is_404(imports, staff, make_member, other_org, api_as):
    batch = imports.import_text(BASE_FILE).json()
    outsider = api_as(make_member("otto", roles.IMPORTER, organization=other_org))
    assert outsider.post(f"/api/attendance/import/batches/{batch['id']}/rollback").status_code == 404
    assert DailyRecord.objects.count() == 2


def test_a_batch_in_a_locked_payroll_cycle_is_refused_naming_the_cycle_to_reopen(imports, staff, make_member):
    from apps.payroll_cycles.models import PayrollCycle
    from apps.payroll_cycles.services import cycle_create, cycle_lock

    batch = imports.import_text(BASE_FILE).json()
    admin = make_member("boss", roles.ADMIN)
    march = cycle_create(
        actor=admin, name="March 2026", start_date=date(2026, 3, 1), end_date=date(2026, 3, 31)
    )
    cycle_lock(actor=admin, cycle=march)
    assert PayrollCycle.objects.get(pk=march.pk).status == "locked"
    before = snapshot()

    response = imports.rollback(batch["id"])

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "PERIOD_LOCKED"
    assert error["message"] == (
        "Reopen payroll cycle March 2026 first: 1 day(s) of this batch are in it, and a locked cycle's "
        "attendance cannot change."
    )
    assert error["details"] == {"dates": ["2026-03-02"], "cycles": ["March 2026"]}
    assert snapshot() == before
    assert imports.api.get(f"{imports.base}/batches/{batch['id']}").json()["status"] == "completed"


def test_the_refusal_is_in_chinese_for_a_chinese_reader(imports, staff):
    first = imports.import_text(BASE_FILE, key="first").json()
    second = imports.import_text(SECOND_FILE, key="second").json()
    response = imports.api.post(
        f"{imports.base}/batches/{first['id']}/rollback", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    message = response.json()["error"]["message"]
    assert f"#{second['id']}" in message and "先撤销" in message and "2026年3月2日" in message
