"""A day is judged only when it is over: the records API says `judged: false` and shows in_progress /
upcoming (never absent, late, early leave or a missing punch) before its shift's end plus grace, and the
period summary counts only the days that are over. One break rule for punched and imported days."""

import pytest
import time_machine

from apps.attendance import services
from apps.attendance.models import ALL_WEEKDAYS, DailyRecord
from tests.attendance.conftest import at, client_for, get_record, post_punch

pytestmark = pytest.mark.django_db

VERDICTS = {"absent", "late", "early_leave", "late_early", "partial"}


def records(client, start, end, when):
    with time_machine.travel(when, tick=False):
        response = client.get("/api/attendance/records", {"from": start, "to": end})
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("now", "judged", "status", "early", "summary_early"),
    [
        ("2026-03-02 06:00", False, "in_progress", 0, 0),  # the morning of the day
        ("2026-03-02 18:09", False, "in_progress", 0, 0),  # shift over, grace not yet
        ("2026-03-02 18:10", True, "early_leave", 728, 728),  # 18:00 + 10 min grace
        ("2026-03-03 09:00", True, "early_leave", 728, 728),
    ],
)
def test_an_early_clock_out_is_early_leave_only_once_the_shift_and_its_grace_are_over(
    team, now, judged, status, early, summary_early
):
    client = client_for(team["emma"])
    post_punch(client, at("2026-03-02 05:00"), "in")
    post_punch(client, at("2026-03-02 05:52"), "out")
    body = records(client, "2026-03-02", "2026-03-02", at(now))
    (record,) = body["results"]
    assert (record["judged"], record["status"], record["earlyLeaveMinutes"]) == (judged, status, early)
    assert body["summary"]["earlyLeaveMinutes"] == summary_early
    assert body["summary"]["days"] == (1 if judged else 0)
    assert body["summary"]["notJudgedDays"] == (0 if judged else 1)
    assert body["summary"]["byStatus"]["earlyLeave"] == (1 if judged else 0)


def test_a_future_day_with_a_morning_half_day_off_is_upcoming_not_absent(org, team):
    services.leave_type_create(
        organization=org, code="annual", name="Annual leave", unit="half_day", yearly_allowance=10
    )
    services.leave_accrue_year(organization=org, year=2026)
    client = client_for(team["emma"])
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        asked = client.post(
            "/api/attendance/leave-requests",
            {"leaveType": "annual", "startDate": "2026-03-10", "endDate": "2026-03-10", "half": "am"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="half-1",
        )
        assert asked.status_code == 201, asked.json()
        approved = client_for(team["approver"]).post(
            f"/api/attendance/leave-requests/{asked.json()['id']}/approve", {"comment": ""}, format="json"
        )
        assert approved.status_code == 200, approved.json()
    assert DailyRecord.objects.get(member=team["emma"], work_date="2026-03-10").status == "absent"

    body = records(client, "2026-03-01", "2026-03-31", at("2026-03-02 10:00"))
    day = next(r for r in body["results"] if r["workDate"] == "2026-03-10")
    assert (day["judged"], day["status"]) == (False, "upcoming")
    assert body["summary"]["byStatus"]["absent"] == 0
    assert not VERDICTS & {r["status"] for r in body["results"] if not r["judged"]}

    later = records(client, "2026-03-10", "2026-03-10", at("2026-03-10 18:10"))
    assert (later["results"][0]["judged"], later["results"][0]["status"]) == (True, "absent")


def test_a_night_shift_is_in_progress_until_the_next_morning(night_worker):
    client = client_for(night_worker)
    post_punch(client, at("2026-03-02 22:30"), "in")
    at_night = records(client, "2026-03-02", "2026-03-02", at("2026-03-03 05:00"))["results"][0]
    assert (at_night["judged"], at_night["status"], at_night["lateMinutes"]) == (False, "in_progress", 0)
    morning = records(client, "2026-03-02", "2026-03-02", at("2026-03-03 06:05"))["results"][0]
    assert (morning["judged"], morning["status"], morning["lateMinutes"]) == (True, "partial", 30)


def test_a_rest_day_is_known_in_advance_and_judged_at_midnight(org, make_member, day_shift):
    member = make_member("rita")
    services.shift_assignment_create(member=member, shift=day_shift, weekdays=ALL_WEEKDAYS & ~0b1000000)
    services.records_recompute(
        organization=org, member_ids=[member.pk], dates=[at("2026-03-08 00:00").date()]
    )
    client = client_for(member)
    sunday = records(client, "2026-03-08", "2026-03-08", at("2026-03-06 12:00"))["results"][0]
    assert (sunday["judged"], sunday["status"]) == (False, "off")
    after = records(client, "2026-03-08", "2026-03-08", at("2026-03-09 00:00"))["results"][0]
    assert (after["judged"], after["status"]) == (True, "off")


def test_punched_and_imported_days_lose_the_same_break(team, api_as, make_member):
    from apps.access import roles
    from tests.imports.conftest import ImportClient

    emma = team["emma"]
    client = client_for(emma)
    post_punch(client, at("2026-03-02 08:50"), "in")
    post_punch(client, at("2026-03-02 18:00"), "out")
    assert get_record(client, "2026-03-02")["workedMinutes"] == 490  # 9:10 - 1 h break

    emma.external_id = "u-emma"
    emma.save(update_fields=["external_id"])
    importer = make_member("ivan", roles.IMPORTER)
    imports = ImportClient(api_as(importer))
    header = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果\n"
    response = imports.import_text(header + "2026-03-03,u-emma,08:50,18:00,正常\n")
    assert response.status_code == 200, response.json()
    assert DailyRecord.objects.get(member=emma, work_date="2026-03-03").worked_minutes == 490
    # A file that says how long was worked is believed as it is.
    response = imports.import_text(
        header.replace("\n", ",实出勤工时\n") + "2026-03-04,u-emma,08:50,18:00,正常,9\n", key="k2"
    )
    assert response.status_code == 200, response.json()
    assert DailyRecord.objects.get(member=emma, work_date="2026-03-04").worked_minutes == 540
