"""Daily record computation, table-driven: every status, the grace boundaries, an overnight shift, a
holiday, a makeup workday, a DST night in Berlin and a member with no shift. Punches go through the API at
the moment the server clock shows; records are read back through the records API."""

from datetime import date, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import ALL_WEEKDAYS, DailyRecord
from tests.attendance.conftest import at, client_for, get_record, post_punch
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")

# case id, who punches, punches (local time, kind), work date, status, late, early, worked minutes
CASES = [
    (
        "normal",
        "day",
        [("2026-03-02 08:55", "in"), ("2026-03-02 18:05", "out")],
        "2026-03-02",
        "normal",
        0,
        0,
        490,
    ),
    (
        "late-at-grace-is-on-time",
        "day",
        [("2026-03-02 09:10:59", "in"), ("2026-03-02 18:00", "out")],
        "2026-03-02",
        "normal",
        0,
        0,
        469,
    ),
    (
        "late-one-past-grace",
        "day",
        [("2026-03-02 09:11", "in"), ("2026-03-02 18:00", "out")],
        "2026-03-02",
        "late",
        11,
        0,
        469,
    ),
    (
        "early-at-grace-is-on-time",
        "day",
        [("2026-03-02 09:00", "in"), ("2026-03-02 17:50", "out")],
        "2026-03-02",
        "normal",
        0,
        0,
        470,
    ),
    (
        "early-one-past-grace",
        "day",
        [("2026-03-02 09:00", "in"), ("2026-03-02 17:49", "out")],
        "2026-03-02",
        "early_leave",
        0,
        11,
        469,
    ),
    (
        "late-and-early",
        "day",
        [("2026-03-02 09:30", "in"), ("2026-03-02 17:00", "out")],
        "2026-03-02",
        "late_early",
        30,
        60,
        390,
    ),
    (
        "first-in-last-out-win",
        "day",
        [
            ("2026-03-02 08:50", "in"),
            ("2026-03-02 09:20", "in"),
            ("2026-03-02 12:00", "out"),
            ("2026-03-02 18:10", "out"),
        ],
        "2026-03-02",
        "normal",
        0,
        0,
        500,
    ),
    ("partial-in-only", "day", [("2026-03-02 09:00", "in")], "2026-03-02", "partial", 0, 0, 0),
    ("partial-out-only", "day", [("2026-03-02 18:00", "out")], "2026-03-02", "partial", 0, 0, 0),
    (
        "partial-late-in-only-keeps-lateness",
        "day",
        [("2026-03-02 09:45", "in")],
        "2026-03-02",
        "partial",
        45,
        0,
        0,
    ),
    (
        "rest-day-work-is-off",
        "day",
        [("2026-03-08 10:00", "in"), ("2026-03-08 12:00", "out")],
        "2026-03-08",
        "off",
        0,
        0,
        120,
    ),
    (
        "holiday-work-is-holiday",
        "day",
        [("2026-04-06 09:00", "in"), ("2026-04-06 18:00", "out")],
        "2026-04-06",
        "holiday",
        0,
        0,
        480,
    ),
    (
        "makeup-saturday-is-a-workday",
        "day",
        [("2026-03-07 09:20", "in"), ("2026-03-07 18:00", "out")],
        "2026-03-07",
        "late",
        20,
        0,
        460,
    ),
    (
        "overnight-belongs-to-start-date",
        "night",
        [("2026-03-02 21:55", "in"), ("2026-03-03 06:02", "out")],
        "2026-03-02",
        "normal",
        0,
        0,
        457,
    ),
    (
        "overnight-late-after-midnight-out-early",
        "night",
        [("2026-03-02 22:30", "in"), ("2026-03-03 05:00", "out")],
        "2026-03-02",
        "late_early",
        30,
        60,
        360,
    ),
    (
        "no-shift-work-is-off",
        "noshift",
        [("2026-03-02 09:00", "in"), ("2026-03-02 17:00", "out")],
        "2026-03-02",
        "off",
        0,
        0,
        480,
    ),
    # 2026-03-29 02:00 CET -> 03:00 CEST: the 22:00-06:00 night has 7 real hours.
    (
        "dst-night-in-berlin",
        "berlin",
        [("2026-03-28 22:00", "in"), ("2026-03-29 06:00", "out")],
        "2026-03-28",
        "normal",
        0,
        0,
        390,
    ),
    (
        "dst-night-in-berlin-early-leave",
        "berlin",
        [("2026-03-28 22:00", "in"), ("2026-03-29 04:30", "out")],
        "2026-03-28",
        "early_leave",
        0,
        90,
        300,
    ),
]


@pytest.fixture
def people(org, make_member, day_shift, night_worker, calendar_2026):
    berlin = OrganizationFactory(slug="berlin", name="Berlin GmbH", timezone="Europe/Berlin")
    night = services.shift_create(
        organization=berlin, name="Night", start_time=time(22), end_time=time(6), break_minutes=30
    )
    berliner = make_member("bert", roles.EMPLOYEE, organization=berlin)
    services.shift_assignment_create(member=berliner, shift=night, weekdays=ALL_WEEKDAYS)
    nowhere = OrganizationFactory(slug="noshift", name="No Shifts Ltd", timezone="Asia/Shanghai")
    return {
        "day": (make_member("dora", roles.EMPLOYEE), ZoneInfo("Asia/Shanghai")),
        "night": (night_worker, ZoneInfo("Asia/Shanghai")),
        "berlin": (berliner, BERLIN),
        "noshift": (make_member("nina", roles.EMPLOYEE, organization=nowhere), ZoneInfo("Asia/Shanghai")),
    }


@pytest.mark.parametrize(
    ("who", "punches", "work_date", "status", "late", "early", "worked"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_record_status(people, who, punches, work_date, status, late, early, worked):
    member, tz = people[who]
    client = client_for(member)
    for local, kind in punches:
        response = post_punch(client, at(local, tz), kind)
        assert response.status_code == 201, response.json()
        assert response.json()["workDate"] == work_date
    record = get_record(client, work_date)
    assert (
        record["status"],
        record["lateMinutes"],
        record["earlyLeaveMinutes"],
        record["workedMinutes"],
    ) == (
        status,
        late,
        early,
        worked,
    )
    assert DailyRecord.objects.filter(member=member).count() == 1


def test_days_without_punches_are_absent_off_or_holiday_after_the_daily_recompute(people):
    member, _ = people["day"]
    out = StringIO()
    call_command(
        "attendance_recompute",
        "--org",
        "acme",
        "--from",
        "2026-04-03",
        "--to",
        "2026-04-07",
        "--member",
        "dora",
        stdout=out,
    )
    assert "5 created" in out.getvalue()
    response = client_for(member).get("/api/attendance/records", {"from": "2026-04-03", "to": "2026-04-07"})
    statuses = [(r["workDate"], r["status"]) for r in response.json()["results"]]
    assert statuses == [
        ("2026-04-03", "absent"),  # Friday
        ("2026-04-04", "off"),  # Saturday
        ("2026-04-05", "off"),  # Sunday
        ("2026-04-06", "holiday"),  # Qingming (Monday)
        ("2026-04-07", "absent"),
    ]
    # Running it again changes nothing and bumps no version.
    call_command(
        "attendance_recompute",
        "--org",
        "acme",
        "--from",
        "2026-04-03",
        "--to",
        "2026-04-07",
        stdout=StringIO(),
    )
    assert set(DailyRecord.objects.filter(member=member).values_list("version", flat=True)) == {1}


def test_makeup_workday_without_punches_is_absent_and_no_shift_member_is_off(people):
    call_command(
        "attendance_recompute", "--org", "acme", "--from", "2026-03-07", "--member", "dora", stdout=StringIO()
    )
    call_command("attendance_recompute", "--org", "noshift", "--from", "2026-03-02", stdout=StringIO())
    assert get_record(client_for(people["day"][0]), "2026-03-07")["status"] == "absent"
    assert get_record(client_for(people["noshift"][0]), "2026-03-02")["status"] == "off"


def test_recompute_command_rejects_bad_input_and_writes_nothing(people):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="INVALID_DATE_RANGE"):
        call_command("attendance_recompute", "--org", "acme", "--from", "2026-03-05", "--to", "2026-03-01")
    with pytest.raises(CommandError, match="VALIDATION_ERROR"):
        call_command("attendance_recompute", "--org", "acme", "--from", "yesterday-ish")
    with pytest.raises(CommandError, match="ORGANIZATION_NOT_FOUND"):
        call_command("attendance_recompute", "--org", "nope", "--from", "2026-03-01")
    assert not DailyRecord.objects.exists()


def test_a_later_punch_updates_the_record_and_its_version(people):
    member, tz = people["day"]
    client = client_for(member)
    post_punch(client, at("2026-03-02 09:00", tz), "in")
    assert get_record(client, "2026-03-02")["status"] == "partial"
    post_punch(client, at("2026-03-02 18:00", tz), "out")
    record = get_record(client, "2026-03-02")
    assert (record["status"], record["version"]) == ("normal", 2)


def test_the_beat_task_closes_yesterday_for_every_member_and_can_run_twice(team):
    import time_machine

    from apps.attendance.tasks import records_close_yesterday

    with time_machine.travel(at("2026-03-03 00:30"), tick=False):
        first = records_close_yesterday.delay().get()
        again = records_close_yesterday.delay().get()
    assert first["acme"] == 5 and again["acme"] == 0
    assert set(DailyRecord.objects.values_list("work_date", "status")) == {(date(2026, 3, 2), "absent")}


def test_the_organization_timezone_decides_the_work_date(people):
    member, tz = people["day"]
    # 07:55 in Shanghai is still the previous day in UTC.
    response = post_punch(client_for(member), at("2026-03-03 07:55", tz), "in")
    assert response.json()["occurredAt"] == "2026-03-02T23:55:00Z"
    assert response.json()["workDate"] == "2026-03-03"


def test_assignments_by_date_range_and_weekday_pattern_override_the_default(org, people, night_shift):
    member, tz = people["day"]
    early = services.shift_create(
        organization=org, name="Early", start_time=time(7), end_time=time(15), break_minutes=30
    )
    # Monday to Thursday on the early shift during one week; Friday of that week is then a rest day.
    services.shift_assignment_create(
        member=member,
        shift=early,
        weekdays=0b0001111,
        start_date=date(2026, 3, 9),
        end_date=date(2026, 3, 15),
    )
    client = client_for(member)
    post_punch(client, at("2026-03-10 07:20", tz), "in")  # Tuesday: 20 minutes late for 07:00
    post_punch(client, at("2026-03-17 09:00", tz), "in")  # next Tuesday: back on the default day shift
    call_command(
        "attendance_recompute", "--org", "acme", "--from", "2026-03-13", "--member", "dora", stdout=StringIO()
    )
    assert (get_record(client, "2026-03-10")["status"], get_record(client, "2026-03-10")["lateMinutes"]) == (
        "partial",
        20,
    )
    assert get_record(client, "2026-03-13")["status"] == "off"
    assert (get_record(client, "2026-03-17")["status"], get_record(client, "2026-03-17")["lateMinutes"]) == (
        "partial",
        0,
    )
    # A higher priority assignment wins over a lower one covering the same day.
    services.shift_assignment_create(
        member=member,
        shift=night_shift,
        weekdays=0b0011111,
        start_date=date(2026, 3, 10),
        end_date=date(2026, 3, 10),
        priority=5,
    )
    call_command(
        "attendance_recompute", "--org", "acme", "--from", "2026-03-10", "--member", "dora", stdout=StringIO()
    )
    assert get_record(client, "2026-03-10")["lateMinutes"] == 0  # 07:20 is long before a 22:00 start


def test_schedule_api_shows_shifts_holidays_and_makeup_days(people):
    member, _ = people["night"]
    response = client_for(member).get("/api/attendance/schedule", {"from": "2026-03-06", "to": "2026-03-07"})
    assert response.status_code == 200
    friday, makeup_saturday = response.json()
    assert friday["workDate"] == "2026-03-06" and friday["isWorkday"] is True
    assert (friday["shift"]["name"], friday["shift"]["crossesMidnight"]) == ("Night", True)
    assert makeup_saturday["makeupWorkday"] is True
    day_member, _ = people["day"]
    holiday = (
        client_for(day_member)
        .get("/api/attendance/schedule", {"from": "2026-04-06", "to": "2026-04-06"})
        .json()[0]
    )
    assert (holiday["isWorkday"], holiday["holiday"], holiday["shift"]["name"]) == (False, "Qingming", "Day")
    assert client_for(day_member).get("/api/attendance/schedule", {"member": "sam"}).status_code == 404
