"""The notifications page and the bell: the unread count in the header of every page, the list in the
reader's language, marking read (one or all, never someone else's), and the choices form."""

import pytest
from django.conf import settings

from apps.attendance.models import Notification, NotificationPreference
from tests.attendance.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(team, leave_types):
    for n, day in enumerate(("2026-04-02", "2026-04-09")):
        response = client_for(team["emma"]).post(
            "/api/attendance/leave-requests",
            {"leaveType": "annual", "startDate": day, "endDate": day, "reason": "Trip"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"k{n}",
        )
        assert response.status_code == 201, response.json()
    return team["approver"], team["emma"]


def page_client(member, language="en"):
    from django.test import Client

    client = Client()
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_bell_shows_the_unread_count_on_every_page(submitted):
    boss, emma = submitted
    html = page_client(boss).get("/attendance/").content.decode()
    assert 'data-testid="unread-count">2<' in html
    assert 'data-testid="unread-count"' not in page_client(emma).get("/attendance/").content.decode()


def test_the_list_reads_in_the_readers_language_and_marks_read(submitted):
    boss, emma = submitted
    client = page_client(boss, "zh-hans")
    html = client.get("/attendance/notifications/").content.decode()
    assert html.count('data-testid="notification"') == 2
    assert "Emma 申请请假" in html
    assert ">request_submitted<" not in html  # no internal code shown on the page

    first = Notification.objects.filter(recipient=boss).order_by("pk").first()
    response = client.post("/attendance/notifications/read/", {"id": [str(first.pk)]})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=boss, read_at__isnull=True).count() == 1
    page_client(emma).post("/attendance/notifications/read/", {"id": [str(first.pk + 1)]})
    assert (
        Notification.objects.filter(recipient=boss, read_at__isnull=True).count() == 1
    )  # not Emma's to mark
    client.post("/attendance/notifications/read/")
    assert not Notification.objects.filter(recipient=boss, read_at__isnull=True).exists()
    assert 'data-testid="unread-count"' not in client.get("/attendance/").content.decode()


def test_the_choices_form_saves_and_refuses_a_made_up_value(submitted):
    boss, _emma = submitted
    client = page_client(boss)
    form = {
        "language": "zh-hans",
        **dict.fromkeys(
            ("request_submitted", "request_decided", "missed_check_in", "missed_check_out"), "app"
        ),
        "pending_digest": "off",
    }
    assert client.post("/attendance/notifications/", form).status_code == 302
    preference = NotificationPreference.objects.get(member=boss)
    assert (preference.language, preference.muted, preference.no_email) == ("zh-hans", ["pending_digest"], [])

    form["request_decided"] = "loudly"
    response = client.post("/attendance/notifications/", form)
    assert response.status_code == 400
    assert NotificationPreference.objects.get(member=boss).muted == ["pending_digest"]


def test_an_empty_list_says_what_will_come(org, make_member):
    html = page_client(make_member("nina")).get("/attendance/notifications/").content.decode()
    assert 'data-testid="no-notifications"' in html
