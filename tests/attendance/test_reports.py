"""Reports: the leave summary of a year and the attendance summary of a period against figures worked out by
hand from punches, leave and approvals made through the API; scope by role, bad input, CSV and the query
count (one aggregate query whatever the number of members)."""

import csv
import io
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.access import roles
from apps.access.models import Membership
from apps.attendance import services
from tests.attendance.conftest import at, client_for, post_punch

pytestmark = pytest.mark.django_db

SETUP = at("2026-03-01 10:00")
NOW = at("2026-03-20 12:00")
LEAVE = "/api/attendance/reports/leave-summary"
ATTENDANCE = "/api/attendance/reports/attendance-summary"
DEPARTMENTS = {"approver": "Sales", "emma": "Sales", "wang": "Sales", "olga": "Ops", "admin": "HR"}
# Mon 2 - Thu 5 March 2026 on the 09:00-18:00 day shift (1 h break, 10 minutes' grace both ways).
PUNCHES = {
    "emma": [("2026-03-02 09:00", "2026-03-02 18:00"), ("2026-03-03 09:25", "2026-03-03 18:00"),
             ("2026-03-04 09:00", "2026-03-04 17:30")],
    "wang": [("2026-03-02 09:05", "2026-03-02 18:20"), ("2026-03-04 09:11", "2026-03-04 17:45")],
    "olga": [("2026-03-02 10:00", "2026-03-02 19:00")],
}  # fmt: skip


def decide(member, path):
    with time_machine.travel(SETUP, tick=False):
        response = client_for(member).post(path, {"comment": ""}, format="json")
    assert response.status_code == 200, response.json()


def ask_leave(member, leave_type, start, end, key):
    body = {"leaveType": leave_type, "startDate": start, "endDate": end}
    with time_machine.travel(SETUP, tick=False):
        response = client_for(member).post(
            "/api/attendance/leave-requests", body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def world(org, team, calendar_2026):
    for key, department in DEPARTMENTS.items():
        Membership.objects.filter(pk=team[key].pk).update(department=department)
    with time_machine.travel(SETUP, tick=False):
        services.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
        services.leave_type_create(
            organization=org, code="unpaid", name="Unpaid leave", is_paid=False, allow_negative=True
        )
    boss = team["approver"]
    # emma: 3 days of annual leave approved, 1 pending, 1 approved and cancelled again (no charge).
    taken = ask_leave(team["emma"], "annual", "2026-03-16", "2026-03-18", "e1")
    decide(boss, f"/api/attendance/leave-requests/{taken}/approve")
    ask_leave(team["emma"], "annual", "2026-04-13", "2026-04-13", "e2")
    cancelled = ask_leave(team["emma"], "annual", "2026-03-19", "2026-03-19", "e3")
    decide(boss, f"/api/attendance/leave-requests/{cancelled}/approve")
    decide(team["emma"], f"/api/attendance/leave-requests/{cancelled}/cancel")
    # wang: Tuesday 3 March off, unpaid.
    unpaid = ask_leave(team["wang"], "unpaid", "2026-03-03", "2026-03-03", "w1")
    decide(boss, f"/api/attendance/leave-requests/{unpaid}/approve")
    for name, days in PUNCHES.items():
        for check_in, check_out in days:
            assert post_punch(client_for(team[name]), at(check_in), "in").status_code == 201
            assert post_punch(client_for(team[name]), at(check_out), "out").status_code == 201
    with time_machine.travel(at("2026-03-06 08:00"), tick=False):
        services.records_recompute(
            organization=org,
            member_ids=[member.pk for member in team.values()],
            dates=[date(2026, 3, day) for day in range(2, 6)],
        )
    return team


def get(who, path, **params):
    with time_machine.travel(NOW, tick=False):
        return client_for(who).get(path, params)


def leave_rows(body):
    return {
        (row["member"]["username"], row["leaveType"]["code"]): (
            row["taken"],
            row["pending"],
            row["remaining"],
        )
        for row in body["rows"]
    }


def test_leave_summary_figures_for_an_admin(world):
    response = get(world["admin"], LEAVE, year=2026)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["year"] == 2026 and body["department"] is None
    assert leave_rows(body) == {
        ("ada", "annual"): ("0.00", "0.00", "10.00"),
        ("ada", "unpaid"): ("0.00", "0.00", None),
        ("olga", "annual"): ("0.00", "0.00", "10.00"),
        ("olga", "unpaid"): ("0.00", "0.00", None),
        ("alan", "annual"): ("0.00", "0.00", "10.00"),
        ("alan", "unpaid"): ("0.00", "0.00", None),
        ("emma", "annual"): ("3.00", "1.00", "7.00"),
        ("emma", "unpaid"): ("0.00", "0.00", None),
        ("wang", "annual"): ("0.00", "0.00", "10.00"),
        ("wang", "unpaid"): ("1.00", "0.00", None),
    }
    # HR, Ops, Sales; within a department by employee number; the types by name.
    assert [(row["member"]["department"], row["member"]["username"]) for row in body["rows"][::2]] == [
        ("HR", "ada"), ("Ops", "olga"), ("Sales", "alan"), ("Sales", "emma"), ("Sales", "wang"),
    ]  # fmt: skip
    assert body["rows"][0]["leaveType"] == {
        "code": "annual",
        "name": "Annual leave",
        "unit": "day",
        "unlimited": False,
    }
    assert [
        (t["leaveType"]["code"], t["members"], t["taken"], t["pending"], t["remaining"])
        for t in body["totals"]
    ] == [("annual", 5, "3.00", "1.00", "47.00"), ("unpaid", 5, "1.00", "0.00", None)]


def test_leave_summary_by_department_member_and_year(world):
    sales = get(world["admin"], LEAVE, year=2026, department="Sales").json()
    assert {user for user, _ in leave_rows(sales)} == {"alan", "emma", "wang"}
    assert sales["department"] == "Sales"
    emma = get(world["admin"], LEAVE, year=2026, member=world["emma"].employee_no).json()
    assert leave_rows(emma) == {
        ("emma", "annual"): ("3.00", "1.00", "7.00"),
        ("emma", "unpaid"): ("0.00", "0.00", None),
    }
    # Nothing was credited or taken in 2025; the balance at the end of 2025 is 0.
    last_year = leave_rows(get(world["admin"], LEAVE, year=2025).json())
    assert last_year[("emma", "annual")] == ("0.00", "0.00", "0.00")
    # Default: this year in the organization's timezone.
    assert get(world["admin"], LEAVE).json()["year"] == 2026


def test_leave_summary_is_scoped_like_the_records(world):
    assert {user for user, _ in leave_rows(get(world["emma"], LEAVE).json())} == {"emma"}
    assert {user for user, _ in leave_rows(get(world["approver"], LEAVE).json())} == {"alan", "emma", "wang"}
    assert {user for user, _ in leave_rows(get(world["olga"], LEAVE).json())} == {"olga"}
    outside = get(world["emma"], LEAVE, member="wang")
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "NOT_FOUND"
    # A department outside the caller's scope is as unknown as one nobody has.
    other = get(world["emma"], LEAVE, department="Ops")
    assert other.status_code == 400 and other.json()["error"]["code"] == "UNKNOWN_DEPARTMENT"


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"year": "9999"}, "VALIDATION_ERROR", "year"),
        ({"year": "1899"}, "VALIDATION_ERROR", "year"),
        ({"year": "20\uff126"}, "VALIDATION_ERROR", "year"),
        ({"year": "-1"}, "VALIDATION_ERROR", "year"),
        ({"year": "2026\x00"}, "VALIDATION_ERROR", "year"),
        ({"department": "Nowhere"}, "UNKNOWN_DEPARTMENT", "department"),
        ({"department": "Sales\x00"}, "VALIDATION_ERROR", "department"),
    ],
)
def test_leave_summary_bad_input(world, params, code, field):
    for path in (LEAVE, f"{LEAVE}/export.csv"):
        response = get(world["admin"], path, **params)
        assert response.status_code == 400, (path, response.content)
        error = response.json()["error"]
        assert error["code"] == code and field in error["details"]["fields"]


def test_attendance_summary_figures(world):
    response = get(world["admin"], ATTENDANCE, **{"from": "2026-03-02", "to": "2026-03-05"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["start"], body["end"], body["countedUntil"]) == ("2026-03-02", "2026-03-05", "2026-03-05")
    figures = ("days", "workedMinutes", "lateCount", "lateMinutes", "earlyLeaveCount", "earlyLeaveMinutes",
               "absences", "leaveDays")  # fmt: skip
    rows = {row["member"]["username"]: tuple(row[name] for name in figures) for row in body["rows"]}
    assert rows == {
        "ada": (4, 0, 0, 0, 0, 0, 4, 0),
        "olga": (4, 480, 1, 60, 0, 0, 3, 0),  # 10:00-19:00: 60 minutes late, 8 h worked; then 3 days absent
        "alan": (4, 0, 0, 0, 0, 0, 4, 0),
        # 480 (09:00-18:00) + 455 (in 09:25: 25 late) + 450 (out 17:30: 30 early); Thursday absent
        "emma": (4, 1385, 1, 25, 1, 30, 1, 0),
        # 495 (09:05 is within grace, out 18:20) + leave on Tuesday + 454 (09:11 11 late, 17:45 15 early)
        "wang": (4, 949, 1, 11, 1, 15, 1, 1),
    }
    assert [row["member"]["username"] for row in body["rows"]] == ["ada", "olga", "alan", "emma", "wang"]
    emma = next(row for row in body["rows"] if row["member"]["username"] == "emma")
    assert emma["workedHours"] == "23.08" and emma["member"]["department"] == "Sales"
    departments = {
        d["department"]: (d["members"], d["workedMinutes"], d["absences"]) for d in body["departments"]
    }
    assert departments == {"HR": (1, 0, 4), "Ops": (1, 480, 3), "Sales": (3, 2334, 6)}
    totals = body["totals"]
    assert (totals["members"], totals["days"], totals["workedMinutes"], totals["workedHours"]) == (
        5,
        20,
        2814,
        "46.90",
    )
    assert (totals["lateCount"], totals["lateMinutes"], totals["earlyLeaveCount"], totals["earlyLeaveMinutes"]) == (
        3, 96, 2, 45,
    )  # fmt: skip
    assert (totals["absences"], totals["leaveDays"]) == (13, 1)


def test_attendance_summary_counts_only_days_that_are_over(world):
    # Today (20 March) emma is late, but the day is not over: it is not counted.
    post_punch(client_for(world["emma"]), at("2026-03-20 09:40"), "in")
    body = get(world["emma"], ATTENDANCE, **{"from": "2026-03-02", "to": "2026-03-25"}).json()
    assert body["countedUntil"] == "2026-03-19"
    assert [(row["member"]["username"], row["lateMinutes"]) for row in body["rows"]] == [("emma", 25)]
    future = get(world["emma"], ATTENDANCE, **{"from": "2026-03-21", "to": "2026-03-25"}).json()
    assert future["countedUntil"] is None and future["rows"][0]["days"] == 0


def test_attendance_summary_scope_and_department(world):
    period = {"from": "2026-03-02", "to": "2026-03-05"}
    names = lambda response: [row["member"]["username"] for row in response.json()["rows"]]  # noqa: E731
    assert names(get(world["emma"], ATTENDANCE, **period)) == ["emma"]
    assert names(get(world["approver"], ATTENDANCE, **period)) == ["alan", "emma", "wang"]
    assert names(get(world["admin"], ATTENDANCE, **period, department="Ops")) == ["olga"]
    sales = get(world["approver"], ATTENDANCE, **period, department="Sales").json()
    assert [d["department"] for d in sales["departments"]] == ["Sales"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-03-05", "to": "2026-03-02"}, "INVALID_DATE_RANGE"),
        ({"from": "2025-01-01", "to": "2026-03-02"}, "INVALID_DATE_RANGE"),
        ({"from": "2026-02-30"}, "VALIDATION_ERROR"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "VALIDATION_ERROR"),
        ({"to": "2026-3-5"}, "VALIDATION_ERROR"),
        ({"from": "2026-03-02\x00"}, "VALIDATION_ERROR"),
        ({"department": "Nowhere"}, "UNKNOWN_DEPARTMENT"),
    ],
)
def test_attendance_summary_bad_input(world, params, code):
    for path in (ATTENDANCE, f"{ATTENDANCE}/export.csv"):
        response = get(world["admin"], path, **params)
        assert response.status_code == 400, (path, response.content)
        assert response.json()["error"]["code"] == code


def test_anonymous_and_members_of_no_organization(world, api, make_member):
    for path in (LEAVE, ATTENDANCE, f"{LEAVE}/export.csv", f"{ATTENDANCE}/export.csv"):
        assert api.get(path).status_code == 401
    from tests.factories import UserFactory

    api.force_authenticate(user=UserFactory(username="nobody"))
    response = api.get(LEAVE)
    assert response.status_code == 403 and response.json()["error"]["code"] == "NO_MEMBERSHIP"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_csv_exports(world):
    Membership.objects.filter(pk=world["emma"].pk).update(display_name='=HYPERLINK("http://x")')
    leave = read_csv(get(world["approver"], f"{LEAVE}/export.csv", year=2026))
    assert leave[0] == ["Year", "Employee no.", "Name", "User name", "Department", "Leave type code", "Leave type",
                        "Unit", "Taken", "Pending", "Remaining"]  # fmt: skip
    assert len(leave) == 1 + 6
    emma = [row for row in leave if row[3] == "emma"]
    assert emma[0][2] == '\'=HYPERLINK("http://x")'  # shown as text, not run as a formula
    assert emma[0][5:] == ["annual", "Annual leave", "day", "3.00", "1.00", "7.00"]
    assert emma[1][5:] == ["unpaid", "Unpaid leave", "day", "0.00", "0.00", ""]

    response = get(
        world["emma"], f"{ATTENDANCE}/export.csv", bom="1", **{"from": "2026-03-02", "to": "2026-03-05"}
    )
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:8] == [
        "From",
        "To",
        "Employee no.",
        "Name",
        "User name",
        "Department",
        "Days",
        "Worked hours",
    ]
    assert rows[1:] == [
        ["2026-03-02", "2026-03-05", world["emma"].employee_no, "'=HYPERLINK(\"http://x\")", "emma", "Sales",
         "4", "23.08", "1", "25", "1", "30", "1", "0"],
    ]  # fmt: skip
    assert not b"".join(get(world["emma"], f"{LEAVE}/export.csv").streaming_content).startswith(
        b"\xef\xbb\xbf"
    )


def test_csv_headers_in_chinese(world):
    with time_machine.travel(NOW, tick=False):
        response = client_for(world["admin"]).get(f"{LEAVE}/export.csv", HTTP_ACCEPT_LANGUAGE="zh-CN")
    header = read_csv(response)[0]
    assert "Year" not in header and header[0] == "年份"


def test_one_query_whatever_the_number_of_members(world, make_member, org):
    def queries(path, **params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(world["admin"], path, **params).status_code == 200
        return len(captured)

    period = {"from": "2026-03-02", "to": "2026-03-05"}
    queries(LEAVE)  # warms the caller's cached membership
    before = (queries(LEAVE), queries(ATTENDANCE, **period))
    for n in range(8):
        make_member(f"extra{n}", roles.EMPLOYEE, department="Sales")
    assert (queries(LEAVE), queries(ATTENDANCE, **period)) == before
    # With department: one more (does anyone in scope have it?).
    assert queries(LEAVE, department="Sales") == before[0] + 1
