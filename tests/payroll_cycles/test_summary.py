"""The cycle summary: figures per member, overtime rules (a table of cases with their expected minutes),
who may read whose row, the CSV export, the background job, and the SQL path equal to the ORM path."""

import pytest
from django.db import connection

from apps.attendance import services as attendance
from apps.payroll_cycles.models import PayrollCycle, SummaryJob
from apps.payroll_cycles.summary import cycle_summary, export
from tests.attendance.conftest import at, client_for
from tests.payroll_cycles.conftest import CYCLES, admin_api, error_code, record

pytestmark = pytest.mark.django_db

RULES = "/api/attendance/overtime-rules"


def summary(team, cycle, **query):
    response = admin_api(team).get(f"{CYCLES}/{cycle['id']}/summary", query)
    assert response.status_code == 200, response.json()
    return {row["username"]: row for row in response.json()["results"]}


def set_rule(team, **fields):
    response = admin_api(team).post(RULES, fields, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_summary_adds_up_days_minutes_statuses_and_leave(team, march, org):
    emma = team["emma"]
    record(emma, "2026-03-02")  # 09:00-18:00, 480 worked
    record(emma, "2026-03-03", "late", start="09:40", late=40)  # 440 worked
    record(emma, "2026-03-04", "partial", end="")
    record(emma, "2026-03-05", "absent", start="", end="")
    record(emma, "2026-03-07", "off", start="10:00", end="14:00", worked=240)  # a Saturday worked
    attendance.leave_type_create(organization=org, code="annual", name="Annual", yearly_allowance=10)
    attendance.leave_accrue_year(organization=org, year=2026)
    import time_machine

    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        leave = (
            client_for(emma)
            .post(
                "/api/attendance/leave-requests",
                {"leaveType": "annual", "startDate": "2026-03-06", "endDate": "2026-03-06"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="l1",
            )
            .json()
        )
        client_for(team["approver"]).post(
            f"/api/attendance/leave-requests/{leave['id']}/approve", {}, format="json"
        )
    row = summary(team, march)["emma"]
    assert row["totalDays"] == 6
    assert row["workedMinutes"] == 480 + 440 + 240
    assert row["restdayOvertimeMinutes"] == 240 and row["workdayOvertimeMinutes"] == 0
    assert row["regularMinutes"] == 920
    assert row["weightedOvertimeMinutes"] == 480  # 240 x 2
    assert row["lateCount"] == 1 and row["lateMinutes"] == 40
    assert row["counts"]["partial"] == 1 and row["counts"]["leave"] == 1 and row["absentDays"] == 1
    assert row["leaveMinutes"] == 480 and row["leaveByType"] == [{"code": "annual", "minutes": 480}]
    assert row["openAnomalies"] == 3  # late, partial, absent


# (rule fields, record (start, end, status, worked), expected (workday, restday, holiday) overtime minutes)
CASES = [
    (
        "daily: beyond required",
        {},
        ("09:00", "19:37", "normal"),
        (90, 0, 0),
    ),  # 577 - 480 = 97 -> 90 (15 down)
    ("rounding up", {"roundingMode": "up"}, ("09:00", "19:37", "normal"), (105, 0, 0)),
    (
        "rounding nearest",
        {"roundingMode": "nearest", "roundingMinutes": 30},
        ("09:00", "19:37", "normal"),
        (90, 0, 0),
    ),
    ("no rounding", {"roundingMinutes": 0}, ("09:00", "19:37", "normal"), (97, 0, 0)),
    ("daily threshold", {"dailyThresholdMinutes": 60}, ("09:00", "19:37", "normal"), (30, 0, 0)),
    ("minimum", {"minMinutes": 120}, ("09:00", "19:37", "normal"), (0, 0, 0)),
    ("cap", {"maxMinutesPerDay": 60}, ("09:00", "21:00", "normal"), (60, 0, 0)),
    ("before start not counted", {}, ("07:00", "18:00", "normal"), (0, 0, 0)),
    ("before start counted", {"countBeforeShift": True}, ("07:00", "18:00", "normal"), (120, 0, 0)),
    ("rest day", {}, ("10:00", "15:10", "off"), (0, 240, 0)),  # 310 - 60 break = 250 -> 240
    ("holiday", {}, ("10:00", "15:10", "holiday"), (0, 0, 240)),
    ("approval required, none approved", {"requiresApproval": True}, ("09:00", "21:00", "normal"), (0, 0, 0)),
]


@pytest.mark.parametrize(("name", "fields", "day", "expected"), CASES, ids=[c[0] for c in CASES])
def test_overtime_rules(team, march, name, fields, day, expected):
    set_rule(team, **fields)
    start, end, status = day
    record(team["emma"], "2026-03-03", status, start=start, end=end)
    row = summary(team, march)["emma"]
    got = (row["workdayOvertimeMinutes"], row["restdayOvertimeMinutes"], row["holidayOvertimeMinutes"])
    assert got == expected
    assert row["overtimeMinutes"] == sum(expected)
    assert row["regularMinutes"] == row["workedMinutes"] - sum(expected)


def ask_overtime(team, day: str, minutes: int, outcome: str = "approved", key: str | None = None):
    """An overtime request of emma's through the API, then decided (or left pending) as `outcome` says."""
    import time_machine

    with time_machine.travel(at("2026-03-20 10:00"), tick=False):
        created = client_for(team["emma"]).post(
            "/api/attendance/overtime-requests",
            {"workDate": day, "minutes": minutes, "reason": "Release"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key or f"ot-{day}-{minutes}-{outcome}",
        )
        assert created.status_code == 201, created.json()
        request_id = created.json()["id"]
        url = f"/api/attendance/overtime-requests/{request_id}"
        if outcome in ("approved", "cancelled"):
            response = client_for(team["approver"]).post(f"{url}/approve", {}, format="json")
            assert response.status_code == 200, response.json()
        if outcome == "rejected":
            response = client_for(team["approver"]).post(f"{url}/reject", {"comment": "no"}, format="json")
            assert response.status_code == 200, response.json()
        if outcome == "cancelled":
            response = client_for(team["emma"]).post(f"{url}/cancel", {}, format="json")
            assert response.status_code == 200, response.json()
    return request_id


# With requiresApproval only approved overtime requests count (then minimum, rounding and cap), whatever was
# worked. (rule fields, record (start, end, status), requests [(minutes, outcome)], expected overtime
# (workday, restday, holiday)). The record 09:00-21:00 is 660 worked, 180 beyond the shift.
APPROVAL_CASES = [
    ("none asked", {}, ("09:00", "21:00", "normal"), [], (0, 0, 0)),
    ("approved, rounded down to 15", {}, ("09:00", "21:00", "normal"), [(95, "approved")], (90, 0, 0)),
    ("approved, no rounding", {"roundingMinutes": 0}, ("09:00", "21:00", "normal"), [(95, "approved")], (95, 0, 0)),
    ("approved beyond what was worked still counts", {}, ("09:00", "18:00", "normal"), [(60, "approved")], (60, 0, 0)),
    ("pending does not count", {}, ("09:00", "21:00", "normal"), [(120, "pending")], (0, 0, 0)),
    ("rejected does not count", {}, ("09:00", "21:00", "normal"), [(120, "rejected")], (0, 0, 0)),
    ("cancelled after approval does not count", {}, ("09:00", "21:00", "normal"), [(120, "cancelled")], (0, 0, 0)),
    ("two approved the same day add up", {}, ("09:00", "21:00", "normal"), [(60, "approved"), (45, "approved")], (105, 0, 0)),
    ("below the minimum is none", {"minMinutes": 60}, ("09:00", "21:00", "normal"), [(45, "approved")], (0, 0, 0)),
    ("capped per day", {"maxMinutesPerDay": 120}, ("09:00", "23:00", "normal"), [(300, "approved")], (120, 0, 0)),
    ("rest day", {}, ("10:00", "15:00", "off"), [(240, "approved")], (0, 240, 0)),
    ("holiday", {}, ("10:00", "15:00", "holiday"), [(200, "approved")], (0, 0, 195)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "fields", "day", "requests", "expected"), APPROVAL_CASES, ids=[c[0] for c in APPROVAL_CASES]
)
def test_overtime_requiring_approval_counts_approved_requests(
    team, march, name, fields, day, requests, expected
):
    set_rule(team, requiresApproval=True, **fields)
    start, end, status = day
    record(team["emma"], "2026-03-03", status, start=start, end=end)
    for n, (minutes, outcome) in enumerate(requests):
        ask_overtime(team, "2026-03-03", minutes, outcome, key=f"ot-{n}")
    row = summary(team, march)["emma"]
    got = (row["workdayOvertimeMinutes"], row["restdayOvertimeMinutes"], row["holidayOvertimeMinutes"])
    assert got == expected
    assert row["overtimeMinutes"] == sum(expected)


def test_without_approval_required_requests_change_nothing(team, march):
    record(team["emma"], "2026-03-03", start="09:00", end="19:37")  # 97 beyond the shift -> 90
    ask_overtime(team, "2026-03-03", 300)
    assert summary(team, march)["emma"]["workdayOvertimeMinutes"] == 90


def test_approved_overtime_survives_a_recompute_of_the_day(team, march, org):
    set_rule(team, requiresApproval=True, roundingMinutes=0)
    record(team["emma"], "2026-03-03", start="09:00", end="21:00")
    ask_overtime(team, "2026-03-03", 150)
    assert summary(team, march)["emma"]["workdayOvertimeMinutes"] == 150
    attendance.records_recompute(
        organization=org, member_ids=[team["emma"].pk], dates=[at("2026-03-03 00:00").date()]
    )
    row = summary(team, march)["emma"]
    assert row["workdayOvertimeMinutes"] == 150 and row["weightedOvertimeMinutes"] == 225


def test_a_locked_cycle_refuses_overtime_requests(team, march):
    import time_machine

    assert admin_api(team).post(f"{CYCLES}/{march['id']}/lock", {}, format="json").status_code == 200
    with time_machine.travel(at("2026-03-20 10:00"), tick=False):
        response = client_for(team["emma"]).post(
            "/api/attendance/overtime-requests",
            {"workDate": "2026-03-03", "minutes": 60, "reason": "Release"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="locked-1",
        )
    assert response.status_code == 409 and error_code(response) == "PERIOD_LOCKED"


def test_weekly_threshold_turns_regular_minutes_past_40_hours_into_overtime(team, march):
    set_rule(team, weeklyThresholdMinutes=40 * 60, roundingMinutes=0, dailyThresholdMinutes=120)
    for day in ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"):
        record(team["emma"], day, start="09:00", end="19:30")  # 570 worked, under the daily threshold
    row = summary(team, march)["emma"]
    assert row["workdayOvertimeMinutes"] == 5 * 570 - 2400
    assert row["regularMinutes"] == 2400
    assert row["weightedOvertimeMinutes"] == round(450 * 1.5)


def test_a_shift_rule_wins_over_the_organization_rule(team, march, day_shift):
    set_rule(team, roundingMinutes=0)
    set_rule(team, shiftId=day_shift.pk, roundingMinutes=60)
    record(team["emma"], "2026-03-03", start="09:00", end="19:37")
    assert summary(team, march)["emma"]["workdayOvertimeMinutes"] == 60


def test_bad_overtime_rules_are_400(team):
    for body in (
        {"roundingMode": "sideways"},
        {"minMinutes": -1},
        {"workdayMultiplier": "0.5"},
        {"shiftId": 99999},
    ):
        response = admin_api(team).post(RULES, body, format="json")
        assert response.status_code in (400, 404), (body, response.json())
    assert admin_api(team).get(RULES).json() == []


def test_employees_see_their_own_row_approvers_their_team_admins_everyone(team, march):
    def names(viewer, **query):
        response = client_for(viewer).get(f"{CYCLES}/{march['id']}/summary", query)
        return response.status_code, sorted(r["username"] for r in response.json().get("results", []))

    assert names(team["emma"]) == (200, ["emma"])
    assert names(team["approver"]) == (200, ["alan", "emma", "wang"])
    assert names(team["admin"])[1] == ["ada", "alan", "emma", "olga", "wang"]
    status, _ = names(team["emma"], member="wang")
    assert status == 404
    status, _ = names(team["approver"], member="olga")
    assert status == 404


def test_summary_pages_and_sorts(team, march):
    record(team["wang"], "2026-03-03", start="09:00", end="21:00")
    body = admin_api(team).get(f"{CYCLES}/{march['id']}/summary", {"pageSize": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["cycle"]["id"] == march["id"]
    top = admin_api(team).get(f"{CYCLES}/{march['id']}/summary", {"sort": "-overtimeMinutes", "pageSize": 1})
    assert top.json()["results"][0]["username"] == "wang"
    bad = admin_api(team).get(f"{CYCLES}/{march['id']}/summary", {"sort": "salary"})
    assert bad.status_code == 400 and error_code(bad) == "VALIDATION_ERROR"


def test_the_csv_export_has_a_bom_on_request_and_escapes_formulas(team, march):
    emma = team["emma"]
    emma.display_name = "=HYPERLINK(1)"
    emma.save()
    record(emma, "2026-03-02")
    response = admin_api(team).get(f"{CYCLES}/{march['id']}/summary/export.csv", {"bom": "1"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffemployeeNo,username,name,totalDays")
    assert "'=HYPERLINK(1)" in text
    assert len(text.strip().splitlines()) == 6
    plain = admin_api(team).get(f"{CYCLES}/{march['id']}/summary/export.csv")
    assert not b"".join(plain.streaming_content).startswith(b"\xef\xbb\xbf")


def test_a_large_cycle_summary_runs_as_a_job_with_progress(team, march, django_capture_on_commit_callbacks):
    record(team["emma"], "2026-03-02")
    with django_capture_on_commit_callbacks(execute=True):
        created = admin_api(team).post(f"{CYCLES}/{march['id']}/summary/jobs", format="json")
    assert created.status_code == 202
    job = admin_api(team).get(f"{CYCLES}/{march['id']}/summary/jobs/{created.json()['id']}").json()
    assert job["status"] == "completed" and job["progress"] == 100 and job["members"] == 5
    assert {r["username"]: r["totalDays"] for r in job["results"]}["emma"] == 1
    from apps.payroll_cycles.tasks import summary_job_run

    summary_job_run(job_id=created.json()["id"])  # a redelivery changes nothing
    assert SummaryJob.objects.get().status == "completed"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's")
def test_the_sql_path_gives_the_orm_paths_figures(team, march, org, day_shift, night_shift_fixture):
    from apps.attendance.models import ALL_WEEKDAYS, Holiday

    set_rule(team, weeklyThresholdMinutes=2400, roundingMinutes=10, roundingMode="nearest", minMinutes=15)
    set_rule(team, shiftId=night_shift_fixture.pk, countBeforeShift=True, roundingMinutes=0)
    attendance.shift_assignment_create(member=team["wang"], shift=night_shift_fixture, weekdays=0b0011110)
    attendance.holiday_set(organization=org, day=at("2026-03-09 00:00").date(), name="Spring")
    attendance.holiday_set(
        organization=org, day=at("2026-03-14 00:00").date(), name="Makeup", kind=Holiday.Kind.MAKEUP_WORKDAY
    )
    assert ALL_WEEKDAYS
    for member in (team["emma"], team["wang"], team["olga"]):
        for offset, (start, end, status) in enumerate(
            [
                ("08:30", "19:45", "normal"),
                ("09:20", "18:00", "late"),
                ("07:00", "23:00", "normal"),
                ("10:00", "15:00", "off"),
                ("09:00", "", "partial"),
                ("", "", "absent"),
                ("09:00", "18:00", "holiday"),
                ("08:00", "20:00", "normal"),
                ("09:00", "18:00", "adjusted"),
                ("21:30", "23:59", "normal"),
            ]
        ):
            record(member, f"2026-03-{offset + 2:02d}", status, start=start, end=end)
    cycle = PayrollCycle.objects.get(pk=march["id"])
    assert cycle_summary(cycle=cycle, path="sql") == cycle_summary(cycle=cycle, path="orm")
    # With approval required, approved overtime requests are what both paths count.
    set_rule(team, requiresApproval=True)
    set_rule(team, shiftId=night_shift_fixture.pk, requiresApproval=True, roundingMinutes=0)
    ask_overtime(team, "2026-03-02", 100)
    ask_overtime(team, "2026-03-04", 37)
    ask_overtime(team, "2026-03-05", 240)  # the rest day
    ask_overtime(team, "2026-03-08", 70, "pending")
    ask_overtime(team, "2026-03-09", 50, "cancelled")
    figures = cycle_summary(cycle=cycle, path="sql")
    assert figures == cycle_summary(cycle=cycle, path="orm")
    emma = next(row for row in figures if row["username"] == "emma")
    assert emma["restday_overtime_minutes"] == 240


@pytest.fixture
def night_shift_fixture(org):
    from datetime import time

    return attendance.shift_create(
        organization=org, name="Late", start_time=time(22), end_time=time(6), break_minutes=30
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's")
def test_the_sql_path_gives_the_orm_paths_figures_with_leave_and_pending_requests(
    team, march, org, make_member, night_shift_fixture
):
    """Leave (full day, half day, hours, on a rest day, across the cycle's start, pending), pending
    adjustments, an inactive member with records and one without, a page of members: both paths agree."""
    from decimal import Decimal

    from apps.attendance.models import AdjustmentRequest, LeaveRequest, LeaveType

    set_rule(team, weeklyThresholdMinutes=2400, roundingMinutes=5, roundingMode="up")
    attendance.shift_assignment_create(member=team["wang"], shift=night_shift_fixture, weekdays=0b1111111)
    annual = LeaveType.objects.create(organization=org, code="annual", name="Annual")
    sick = LeaveType.objects.create(organization=org, code="Sick_2", name="Sick")
    gone = make_member("gone", is_active=False, display_name='=Gone, "Jr" 王\n2')
    make_member("left", is_active=False)  # no records: not in the summary
    emma, wang = team["emma"], team["wang"]
    for member in (emma, wang, gone):
        for day, (start, end, status) in enumerate(
            [
                ("09:00", "18:00", "leave"),
                ("09:00", "13:00", "normal"),
                ("13:00", "18:00", "normal"),
                ("", "", "absent"),
                ("09:00", "", "partial"),
                ("10:00", "15:00", "off"),
                ("08:00", "21:00", "normal"),
                ("", "", "absent"),
                ("09:30", "18:00", "late"),
            ]
        ):
            record(
                member, f"2026-03-{day + 2:02d}", status, start=start, end=end, late=30 * (status == "late")
            )

    def leave(member, leave_type, start, end, status="approved", **extra):
        LeaveRequest.objects.create(
            organization=org, member=member, leave_type=leave_type, start_date=start, end_date=end,
            status=status, amount=Decimal(1), **extra,
        )  # fmt: skip

    for member in (emma, wang):
        leave(member, annual, "2026-02-26", "2026-03-02")  # across the cycle's start
        leave(member, annual, "2026-03-03", "2026-03-03", half="am")
        leave(member, sick, "2026-03-04", "2026-03-04", hours=Decimal("2.5"))
        leave(member, sick, "2026-03-07", "2026-03-07")  # a rest day: not counted
        leave(member, annual, "2026-03-05", "2026-03-05", status="pending")  # the absence is pending
        leave(member, annual, "2026-03-20", "2026-03-20", status="rejected")
        AdjustmentRequest.objects.create(
            organization=org, member=member, work_date="2026-03-06", kind="missed_check_out", reason="r"
        )
    cycle = PayrollCycle.objects.get(pk=march["id"])
    orm_rows = cycle_summary(cycle=cycle, path="orm")
    assert cycle_summary(cycle=cycle, path="sql") == orm_rows
    by_name = {row["username"]: row for row in orm_rows}
    assert "gone" in by_name and "left" not in by_name
    assert by_name["emma"]["leave_by_type"] == [
        {"code": "Sick_2", "minutes": 150},
        {"code": "annual", "minutes": 480 + 240},
    ]
    assert by_name["emma"]["open_anomalies"] == 2  # the second absence and the late day
    page = [emma.pk, gone.pk]
    assert cycle_summary(cycle=cycle, member_ids=page, path="sql") == cycle_summary(
        cycle=cycle, member_ids=page, path="orm"
    )
    # The export COPY writes is byte for byte what csv.writer makes of the ORM path's rows.
    exported = admin_api(team).get(f"{CYCLES}/{cycle.pk}/summary/export.csv", {"bom": "1"})
    assert b"".join(exported.streaming_content) == b"".join(export._python(orm_rows, bom=True))
    assert "'=Gone" in b"".join(export._python(orm_rows, bom=False)).decode()

    # Closing writes the snapshots in SQL: each holds the ORM path's row and the SHA-256 of its canonical
    # JSON; the audit entry holds the hash over them in member order.
    import hashlib

    from apps.audit.models import OperationLog
    from apps.payroll_cycles.models import SettlementSnapshot
    from apps.payroll_cycles.services.snapshots import canonical

    closed = admin_api(team).post(f"{CYCLES}/{cycle.pk}/close", {}, format="json")
    assert closed.status_code == 200, closed.json()
    snapshots = {s.member_id: s for s in SettlementSnapshot.objects.filter(cycle=cycle, version=1)}
    assert [snapshots[row["member_id"]].data for row in orm_rows] == orm_rows
    digests = [snapshots[row["member_id"]].data_hash for row in orm_rows]
    assert digests == [hashlib.sha256(canonical(row).encode()).hexdigest() for row in orm_rows]
    entry = OperationLog.objects.get(action="payroll.cycle.close")
    assert entry.details["members"] == len(orm_rows)
    assert entry.details["hash"] == hashlib.sha256("".join(digests).encode()).hexdigest()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's")
def test_the_sql_paths_shortcuts_give_the_orm_paths_figures(team, march, org, night_shift_fixture):
    """No assignment covering the cycle (one ended before it), no holiday in it, no pending request: the
    statement leaves those joins out and still gives the ORM path's figures, through the API, the export
    and the close's snapshots; a holiday and a pending request added later are counted again."""
    from datetime import date

    from apps.attendance.models import AdjustmentRequest
    from apps.payroll_cycles.models import SettlementSnapshot
    from apps.payroll_cycles.summary import sql_query

    set_rule(team, weeklyThresholdMinutes=2400, roundingMinutes=10, roundingMode="up", minMinutes=20)
    attendance.shift_assignment_create(
        member=team["wang"], shift=night_shift_fixture, weekdays=0b1111111, end_date=date(2026, 2, 28)
    )
    attendance.holiday_set(organization=org, day=date(2026, 4, 6), name="After the cycle")
    days = [
        ("07:30", "19:45", "normal"),  # before the start: not counted
        ("09:20", "18:00", "late"),
        ("09:00", "21:10", "normal"),
        ("10:00", "15:00", "off"),
        ("09:00", "", "partial"),
        ("", "", "absent"),
        ("09:00", "18:00", "holiday"),
        ("08:00", "20:00", "early_leave"),
        ("09:00", "18:00", "adjusted"),
        ("09:00", "18:00", "leave"),
    ]
    for member in (team["emma"], team["wang"], team["olga"]):
        for offset, (start, end, status) in enumerate(days):
            record(
                member,
                f"2026-03-{offset + 2:02d}",
                status,
                start=start,
                end=end,
                late=20 * (status == "late"),
            )
    cycle = PayrollCycle.objects.get(pk=march["id"])
    query = sql_query(cycle=cycle, member_ids=None)
    assert not (query["assignments"] or query["holidays"] or query["pending"])
    orm_rows = cycle_summary(cycle=cycle, path="orm")
    assert cycle_summary(cycle=cycle, path="sql") == orm_rows
    emma = next(row for row in orm_rows if row["username"] == "emma")
    assert emma["workday_overtime_minutes"] > 0 and emma["restday_overtime_minutes"] == 240
    assert emma["open_anomalies"] == 4  # late, partial, absent, early leave
    rows = summary(team, march)
    assert rows["emma"]["workdayOvertimeMinutes"] == emma["workday_overtime_minutes"]
    exported = admin_api(team).get(f"{CYCLES}/{cycle.pk}/summary/export.csv")
    assert b"".join(exported.streaming_content) == b"".join(export._python(orm_rows, bom=False))

    # A holiday and a pending correction in the cycle: the joins are back, the figures still agree.
    attendance.holiday_set(organization=org, day=date(2026, 3, 4), name="Spring")
    AdjustmentRequest.objects.create(
        organization=org, member=team["emma"], work_date="2026-03-06", kind="missed_check_out", reason="r"
    )
    query = sql_query(cycle=cycle, member_ids=None)
    assert query["holidays"] and query["pending"] and not query["assignments"]
    orm_rows = cycle_summary(cycle=cycle, path="orm")
    assert cycle_summary(cycle=cycle, path="sql") == orm_rows
    emma = next(row for row in orm_rows if row["username"] == "emma")
    assert emma["holiday_overtime_minutes"] > 0 and emma["open_anomalies"] == 3
    closed = admin_api(team).post(f"{CYCLES}/{cycle.pk}/close", {}, format="json")
    assert closed.status_code == 200, closed.json()
    snapshots = {s.member_id: s.data for s in SettlementSnapshot.objects.filter(cycle=cycle, version=1)}
    assert [snapshots[row["member_id"]] for row in orm_rows] == orm_rows
