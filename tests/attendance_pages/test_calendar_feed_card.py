"""The employee page's calendar-subscription card: get the address, copy it, replace it."""

import pytest
from rest_framework.test import APIClient

from apps.attendance.models import CalendarFeed
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db
HOME = "/attendance/"


def test_an_employee_gets_their_address_on_the_page_and_replaces_it(team, signed_in):
    client = signed_in(team["emma"])
    page = client.get(HOME).content.decode()
    assert 'data-testid="feed-show-personal"' in page
    assert 'data-testid="feed-team"' not in page and 'data-testid="feed-holidays"' not in page
    response = post(client, "/attendance/calendar-feed/", {"kind": "personal", "action": "show"})
    assert response.status_code == 302
    page = client.get(HOME).content.decode()
    feed = CalendarFeed.objects.get()
    assert 'data-copy="#feed-url-personal"' in page
    url = page.split('data-testid="feed-url-personal"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert url.startswith("http://testserver/api/attendance/calendar-feed/cal_")
    assert APIClient().get(url.removeprefix("http://testserver")).status_code == 200
    post(client, "/attendance/calendar-feed/", {"kind": "personal", "action": "rotate"})
    assert APIClient().get(url.removeprefix("http://testserver")).status_code == 404
    feed.refresh_from_db()
    assert feed.rotated_at is not None


def test_an_approver_sees_the_team_feed_and_an_employee_cannot_make_one(team, signed_in):
    page = signed_in(team["approver"]).get(HOME).content.decode()
    assert 'data-testid="feed-team"' in page and 'data-testid="feed-holidays"' not in page
    client = signed_in(team["emma"])
    response = post(client, "/attendance/calendar-feed/", {"kind": "team", "action": "show"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_card_in_chinese(team, signed_in):
    page = signed_in(team["emma"], language="zh-hans").get(HOME).content.decode()
    assert "日历订阅" in page
