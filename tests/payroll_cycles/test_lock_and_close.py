# ruff: noqa: S608 - the raw SQL here uses ids of our own fixtures
"""A lock that holds everywhere, and close / reopen / close again with snapshots and the changes between."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from apps.attendance import hooks
from apps.attendance.models import DailyRecord, Punch
from apps.audit.models import OperationLog
from apps.payroll_cycles.models import PayrollCycle, SettlementSnapshot
from tests.attendance.conftest import at, client_for, post_punch
from tests.payroll_cycles.conftest import CYCLES, admin_api, error_code, record

pytestmark = pytest.mark.django_db


def act(team, cycle, action, **body):
    return admin_api(team).post(f"{CYCLES}/{cycle['id']}/{action}", body, format="json")


def test_locking_refuses_punches_and_recomputes_on_its_dates(team, march):
    assert act(team, march, "lock").json()["status"] == "locked"
    refused = post_punch(client_for(team["emma"]), at("2026-03-02 09:00"), "in")
    assert refused.status_code == 409 and error_code(refused) == "PERIOD_LOCKED"
    assert not Punch.objects.exists()
    assert post_punch(client_for(team["emma"]), at("2026-04-01 09:00"), "in").status_code == 201


def test_locking_twice_is_409_and_changes_nothing(team, march):
    act(team, march, "lock")
    before = OperationLog.objects.count()
    again = act(team, march, "lock")
    assert again.status_code == 409 and error_code(again) == "CYCLE_STATE_CONFLICT"
    assert OperationLog.objects.count() == before
    retried = act(team, march, "unlock", reason="wrong month", idempotencyKey="u1")
    assert act(team, march, "unlock", reason="wrong month", idempotencyKey="u1").json() == retried.json()
    assert PayrollCycle.objects.get().status == "open"


def test_unlock_and_reopen_need_a_reason(team, march):
    act(team, march, "lock")
    response = act(team, march, "unlock")
    assert response.status_code == 400 and error_code(response) == "REASON_REQUIRED"
    act(team, march, "close")
    response = act(team, march, "reopen", reason="   ")
    assert response.status_code == 400 and error_code(response) == "REASON_REQUIRED"
    assert PayrollCycle.objects.get().status == "closed"


def test_employees_cannot_lock(team, march):
    response = client_for(team["emma"]).post(f"{CYCLES}/{march['id']}/lock", {}, format="json")
    assert response.status_code == 403
    assert PayrollCycle.objects.get().status == "open"


def test_the_hook_answers_for_a_whole_set_in_one_query(team, march, django_assert_num_queries):
    act(team, march, "lock")
    from datetime import date, timedelta

    ids = [team[name].pk for name in ("emma", "wang", "olga")]
    days = [date(2026, 2, 25) + timedelta(days=i) for i in range(10)]
    with django_assert_num_queries(1):
        pairs = hooks.locked_pairs(organization_id=team["emma"].organization_id, member_ids=ids, dates=days)
    assert len(pairs) == 3 * 6  # March 1..6 for three members


def test_an_import_reports_locked_rows_and_writes_none_of_them(team, march):
    from tests.imports.conftest import ImportClient

    act(team, march, "lock")
    emma = team["emma"]
    emma.external_id = "u0001"
    emma.save()
    text = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n2026-03-02,u0001,09:00,18:00,正常\n2026-04-02,u0001,09:00,18:00,正常\n"
    imports = ImportClient(admin_api(team))
    preview = imports.preview(imports.upload(text)).json()
    assert preview["summary"]["locked"] == 1
    response = imports.import_text(text)
    assert response.json()["skippedCount"] == 1 and response.json()["createdCount"] == 1
    assert [d.isoformat() for d in DailyRecord.objects.values_list("work_date", flat=True)] == ["2026-04-02"]


needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers: PostgreSQL")


@needs_postgres
def test_the_database_refuses_raw_sql_inside_a_locked_cycle(team, march):
    record(team["emma"], "2026-03-03")
    act(team, march, "lock")
    statements = [
        "UPDATE attendance_dailyrecord SET worked_minutes = 1",
        "DELETE FROM attendance_dailyrecord",
        f"INSERT INTO attendance_punch (organization_id, member_id, occurred_at, work_date, kind, source, device_id, "
        f"outside_geofence, idempotency_key, request_fingerprint, created_at) VALUES "
        f"({team['emma'].organization_id}, {team['emma'].pk}, now(), '2026-03-04', 'in', 'admin', '', false, '', "
        f"'', now())",
    ]
    for sql in statements:
        with (
            pytest.raises(DatabaseError, match="PERIOD_LOCKED"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)
    assert DailyRecord.objects.get().worked_minutes == 480 and not Punch.objects.exists()
    act(team, march, "unlock", reason="fix")
    with connection.cursor() as cur:
        cur.execute("UPDATE attendance_dailyrecord SET worked_minutes = 1")
    assert DailyRecord.objects.get().worked_minutes == 1


@needs_postgres
def test_a_settlement_snapshot_cannot_be_updated(team, march):
    act(team, march, "close")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE payroll_cycles_settlementsnapshot SET data_hash = 'x'")


def test_close_reopen_close_again_and_read_what_changed(team, march):
    emma = team["emma"]
    record(emma, "2026-03-02")
    record(team["wang"], "2026-03-02")
    closed = act(team, march, "close", idempotencyKey="close-1")
    assert closed.json() == {"id": march["id"], "status": "closed", "snapshotVersion": 1}
    assert act(team, march, "close", idempotencyKey="close-1").json() == closed.json()  # a retry
    assert SettlementSnapshot.objects.filter(version=1).count() == 5  # every active member
    entry = OperationLog.objects.get(action="payroll.cycle.close")
    assert len(entry.details["hash"]) == 64 and entry.details["members"] == 5

    # Closed: dates frozen, not deletable, punches refused.
    moved = admin_api(team).put(f"{CYCLES}/{march['id']}", {"endDate": "2026-03-30"}, format="json")
    assert moved.status_code == 409 and error_code(moved) == "CYCLE_CLOSED_PERIOD_FROZEN"
    deleted = admin_api(team).delete(f"{CYCLES}/{march['id']}")
    assert deleted.status_code == 409 and error_code(deleted) == "CYCLE_CLOSED_NOT_DELETABLE"
    assert error_code(post_punch(client_for(emma), at("2026-03-05 09:00"), "in")) == "PERIOD_LOCKED"

    reopened = act(team, march, "reopen", reason="Emma's 5 March was missed")
    assert reopened.json()["status"] == "open"
    assert post_punch(client_for(emma), at("2026-03-05 08:55"), "in").status_code == 201
    assert post_punch(client_for(emma), at("2026-03-05 18:30"), "out").status_code == 201
    pending = admin_api(team).get(f"{CYCLES}/{march['id']}/changes").json()
    assert pending["fromVersion"] == 1 and pending["toVersion"] is None
    assert [m["username"] for m in pending["members"]] == ["emma"]

    assert act(team, march, "close").json()["snapshotVersion"] == 2
    changes = admin_api(team).get(f"{CYCLES}/{march['id']}/changes").json()
    assert changes["fromVersion"] == 1 and changes["toVersion"] == 2
    assert changes["reopens"][0]["reason"] == "Emma's 5 March was missed"
    (member,) = changes["members"]
    assert member["username"] == "emma"
    assert member["changes"]["totalDays"] == {"before": 1, "after": 2}
    assert member["changes"]["workedMinutes"]["after"] > member["changes"]["workedMinutes"]["before"]
    assert [e["action"] for e in member["entries"]] == ["attendance.punch.create"] * 2
    assert member["entries"][0]["actor"] == "emma"
    assert SettlementSnapshot.objects.filter(version=1).count() == 5  # the first version is kept


def test_archive_only_after_close(team, march):
    assert error_code(act(team, march, "archive")) == "CYCLE_STATE_CONFLICT"
    act(team, march, "close")
    assert act(team, march, "archive").json()["status"] == "archived"
    assert error_code(act(team, march, "reopen", reason="x")) == "CYCLE_STATE_CONFLICT"


def test_readiness_lists_what_to_settle(team, march):
    record(team["emma"], "2026-03-02", "partial", end="")
    record(team["wang"], "2026-03-02", "late", start="09:30", late=30)
    client_for(team["wang"]).post(
        "/api/attendance/adjustments",
        {
            "kind": "time_correction",
            "workDate": "2026-03-02",
            "requestedInAt": "2026-03-02T09:00:00+08:00",
            "reason": "bus",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="r1",
    )
    client_for(team["emma"]).post(
        "/api/attendance/overtime-requests",
        {"workDate": "2026-03-03", "minutes": 60, "reason": "release"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="o1",
    )
    body = admin_api(team).get(f"{CYCLES}/{march['id']}/readiness").json()
    assert body["pendingRequests"] == {"adjustments": 1, "leave": 0, "overtime": 1}
    assert body["openAnomalies"]["total"] == 1 and body["openAnomalies"]["byKind"]["partial"] == 1
    assert body["membersWithoutRecords"]["count"] == 3
    assert body["importsRunning"] == 0 and body["ready"] is False
