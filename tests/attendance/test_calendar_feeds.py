"""Calendar feeds: a secret, revocable .ics address per member (shifts and approved leave), approvers' team
leave, admins' holidays. Each feed is parsed back with the icalendar library."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from icalendar import Calendar
from rest_framework.test import APIClient

from apps.attendance import services
from apps.attendance.models import CalendarFeed, Holiday
from apps.audit.models import OperationLog
from tests.attendance.conftest import at, client_for

pytestmark = pytest.mark.django_db
FEED = "/api/attendance/calendar-feed"
TODAY = at("2026-03-04 12:00")  # a Wednesday, Asia/Shanghai


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def leave(team):
    services.leave_type_create(
        organization=team["emma"].organization, code="annual", name="Annual leave", allow_negative=True
    )

    def ask(member, start, end, approve=True):
        request = services.leave_request_create(
            member=member,
            leave_type="annual",
            start_date=date.fromisoformat(start),
            end_date=date.fromisoformat(end),
        ).obj
        if approve:
            services.leave_request_approve(request=request, approver=team["admin"])
        return request

    return ask


def feed_url(member, kind=None) -> str:
    response = client_for(member).get(FEED, {"kind": kind} if kind else {})
    assert response.status_code == 200, response.json()
    return response.json()["url"]


def fetch(url: str):
    """Fetch the feed as a calendar application would: no session, no token."""
    return APIClient().get(url.removeprefix("http://testserver"))


def parse(url: str) -> tuple[Calendar, list]:
    response = fetch(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return calendar, list(calendar.walk("VEVENT"))


def by_uid(events) -> dict:
    return {str(e["UID"]): e for e in events}


def test_my_feed_has_my_shifts_in_utc_and_my_approved_leave(team, leave):
    emma = team["emma"]
    annual = leave(emma, "2026-03-10", "2026-03-11")
    leave(emma, "2026-03-20", "2026-03-20", approve=False)  # pending: not in the feed
    leave(team["wang"], "2026-03-12", "2026-03-12")  # someone else's
    url = feed_url(emma)
    assert url.startswith("http://testserver/api/attendance/calendar-feed/cal_") and url.endswith(".ics")
    calendar, events = parse(url)
    assert (str(calendar["VERSION"]), str(calendar["X-WR-TIMEZONE"])) == ("2.0", "Asia/Shanghai")
    events = by_uid(events)
    monday = events[f"shift-{emma.pk}-2026-03-02@127.0.0.1"]
    # 09:00-18:00 in Shanghai is 01:00-10:00 UTC.
    assert monday.decoded("DTSTART") == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert monday.decoded("DTEND") == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert str(monday["SUMMARY"]) == "Day"
    assert f"shift-{emma.pk}-2026-03-07@127.0.0.1" not in events  # Saturday: no shift
    # Leave is an all-day event (DTEND exclusive), on top of the shifts of those days (the plan).
    annual_event = events[f"leave-{annual.pk}@127.0.0.1"]
    assert (annual_event.decoded("DTSTART"), annual_event.decoded("DTEND")) == (
        date(2026, 3, 10),
        date(2026, 3, 12),
    )
    assert str(annual_event["SUMMARY"]) == "Annual leave"
    leave_uids = [uid for uid in events if uid.startswith("leave-")]
    assert leave_uids == [f"leave-{annual.pk}@127.0.0.1"]
    shift_days = [uid for uid in events if uid.startswith("shift-")]
    assert len(shift_days) == len(set(shift_days)) > 60  # a month back, a quarter ahead, weekdays


def test_uids_are_stable_and_cancelled_leave_disappears(team, leave):
    emma = team["emma"]
    annual = leave(emma, "2026-03-10", "2026-03-10")
    url = feed_url(emma)
    first = set(by_uid(parse(url)[1]))
    assert set(by_uid(parse(url)[1])) == first
    services.leave_request_cancel(request=annual, actor=emma)
    after = set(by_uid(parse(url)[1]))
    assert first - after == {f"leave-{annual.pk}@127.0.0.1"}


def test_asking_again_gives_the_same_address_and_rotating_replaces_it(team):
    emma = team["emma"]
    url = feed_url(emma)
    assert feed_url(emma) == url
    rotated = client_for(emma).post(f"{FEED}/rotate")
    assert rotated.status_code == 200
    new_url = rotated.json()["url"]
    assert new_url != url and feed_url(emma) == new_url
    old = fetch(url)
    assert old.status_code == 404 and old.json()["error"]["code"] == "NOT_FOUND"
    assert fetch(new_url).status_code == 200
    actions = list(
        OperationLog.objects.filter(action__startswith="attendance.calendar_feed").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["attendance.calendar_feed.create", "attendance.calendar_feed.rotate"]


def test_the_token_is_not_stored(team):
    url = feed_url(team["emma"])
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    stored = [str(v) for v in CalendarFeed.objects.values_list("salt", "token_hash").get()]
    assert token not in stored and feed.token_hash != token


def test_an_approver_has_the_team_leave_and_an_admin_the_holidays(team, leave):
    emma_leave = leave(team["emma"], "2026-03-10", "2026-03-10")
    wang_leave = leave(team["wang"], "2026-03-12", "2026-03-13")
    leave(team["olga"], "2026-03-12", "2026-03-12")  # not the approver's report
    events = by_uid(parse(feed_url(team["approver"], "team"))[1])
    assert sorted(events) == sorted([f"leave-{emma_leave.pk}@127.0.0.1", f"leave-{wang_leave.pk}@127.0.0.1"])
    assert str(events[f"leave-{emma_leave.pk}@127.0.0.1"]["SUMMARY"]).endswith(": Annual leave")
    org = team["admin"].organization
    services.holiday_set(organization=org, day=date(2026, 4, 6), name="Qingming")
    services.holiday_set(
        organization=org, day=date(2026, 3, 7), name="Swap", kind=Holiday.Kind.MAKEUP_WORKDAY
    )
    events = by_uid(parse(feed_url(team["admin"], "holidays"))[1])
    assert sorted(events) == [
        f"holiday-{org.pk}-2026-03-07@127.0.0.1",
        f"holiday-{org.pk}-2026-04-06@127.0.0.1",
    ]
    qingming = events[f"holiday-{org.pk}-2026-04-06@127.0.0.1"]
    assert (str(qingming["SUMMARY"]), qingming.decoded("DTSTART")) == ("Qingming", date(2026, 4, 6))
    assert str(events[f"holiday-{org.pk}-2026-03-07@127.0.0.1"]["SUMMARY"]) == "Makeup workday: Swap"


def test_feeds_a_role_does_not_grant_are_refused(team):
    emma = client_for(team["emma"])
    for kind in ("team", "holidays"):
        response = emma.get(FEED, {"kind": kind})
        assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"
        assert emma.post(f"{FEED}/rotate?kind={kind}").status_code == 403
    bad = emma.get(FEED, {"kind": "everything"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    assert not CalendarFeed.objects.exists()
    assert APIClient().get(FEED).status_code in {401, 403}


def test_a_feed_stops_when_its_owner_is_deactivated_or_loses_the_role(team):
    from apps.access import provisioning, roles

    team_url = feed_url(team["approver"], "team")
    emma_url = feed_url(team["emma"])
    provisioning.roles_unassign(
        organization=team["admin"].organization,
        actor=team["admin"],
        member=team["approver"],
        roles=[roles.APPROVER],
    )
    assert fetch(team_url).status_code == 404
    provisioning.member_deactivate(
        organization=team["admin"].organization, actor=team["admin"], member=team["emma"]
    )
    assert fetch(emma_url).status_code == 404


def test_unknown_tokens_are_404_and_fetching_is_rate_limited(team, settings):
    assert fetch("/api/attendance/calendar-feed/cal_nothing.ics").status_code == 404
    assert fetch("/api/attendance/calendar-feed/nothing.ics").status_code == 404
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": "3/m"}
    url = feed_url(team["emma"])
    answers = [fetch(url).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_a_half_day_off_is_named_in_the_calendars_language(team):
    emma = team["emma"]
    services.leave_type_create(
        organization=emma.organization, code="sick", name="Sick leave", name_zh="病假", unit="half_day",
        allow_negative=True,
    )  # fmt: skip
    request = services.leave_request_create(
        member=emma, leave_type="sick", start_date=date(2026, 3, 10), end_date=date(2026, 3, 10), half="am"
    ).obj
    services.leave_request_approve(request=request, approver=team["admin"])
    url = feed_url(emma).removeprefix("http://testserver")
    summaries = {}
    for language in ("en", "zh-hans"):
        response = APIClient().get(url, HTTP_ACCEPT_LANGUAGE=language)
        event = by_uid(Calendar.from_ical(response.content).walk("VEVENT"))[f"leave-{request.pk}@127.0.0.1"]
        summaries[language] = str(event["SUMMARY"])
    assert summaries == {"en": "Sick leave (Morning)", "zh-hans": "病假 (上午)"}
