"""Notifications and reminders: a new request tells its deciders, a decision tells the requester, the
daily digest and the missed-punch reminders follow the rules below on a fixed clock, each is written once
however often it is triggered, each person can turn each kind off, and e-mails go out in the recipient's
language (through a real SMTP server on loopback in one test)."""

import socket
from datetime import date

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail

from apps.attendance import services
from apps.attendance.models import AttendancePolicy, LeaveRequest, Notification
from apps.attendance.notifications import services as notifications
from apps.attendance.services.decisions import decidable_models
from apps.attendance.tasks import missed_punch_reminders, notification_email_send, pending_digest
from tests.attendance.conftest import at, client_for, post_punch

pytestmark = pytest.mark.django_db


@pytest.fixture
def annual(org, team):
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        return services.leave_type_create(organization=org, code="annual", name="Annual", yearly_allowance=10)


def ask_leave(member, key="leave-1", start="2026-04-02", end="2026-04-03"):
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        response = client_for(member).post(
            "/api/attendance/leave-requests",
            {"leaveType": "annual", "startDate": start, "endDate": end, "reason": "Trip"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def decide(member, request_id, verb, comment=""):
    with time_machine.travel(at("2026-03-01 11:00"), tick=False):
        return client_for(member).post(
            f"/api/attendance/leave-requests/{request_id}/{verb}", {"comment": comment}, format="json"
        )


def inbox(member, **params):
    response = client_for(member).get("/api/notifications", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_new_request_tells_the_manager_and_a_retry_tells_them_once(annual, team):
    ask_leave(team["emma"])
    ask_leave(team["emma"])  # the same idempotency key: a replay

    alan = inbox(team["approver"])
    assert alan["unreadCount"] == 1
    [note] = alan["results"]
    assert note["kind"] == "request_submitted"
    assert note["title"] == "Emma asked for leave"
    assert note["body"] == "Emma asked for leave on 2 Apr 2026 \u2013 3 Apr 2026. Decide it in your inbox."
    assert note["link"] == "/attendance/approvals/"
    assert inbox(team["emma"])["unreadCount"] == 0
    assert inbox(team["admin"])["unreadCount"] == 0  # Emma has a manager: the admins are not told


def test_without_a_manager_the_admins_are_told(annual, team):
    ask_leave(team["olga"])
    assert [n["kind"] for n in inbox(team["admin"])["results"]] == ["request_submitted"]
    assert inbox(team["approver"])["unreadCount"] == 0


def test_a_decision_tells_the_requester_in_their_language_once(annual, team):
    request_id = ask_leave(team["emma"])
    assert decide(team["approver"], request_id, "reject", "Team offsite that week").status_code == 200
    assert decide(team["approver"], request_id, "reject", "again").status_code == 409

    [note] = inbox(team["emma"])["results"]
    assert note["title"] == "Your request for leave was rejected"
    assert note["body"].endswith("Comment: Team offsite that week")
    chinese = client_for(team["emma"]).get("/api/notifications", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["results"][0]["title"] == "你的请假申请被拒绝"


def test_cancelling_ones_own_request_tells_nobody(annual, team):
    request_id = ask_leave(team["emma"])
    assert decide(team["emma"], request_id, "cancel").status_code == 200
    assert not Notification.objects.filter(kind="request_decided").exists()


def test_marking_read_touches_only_the_callers_own(annual, team):
    ask_leave(team["emma"])
    ask_leave(team["olga"], key="leave-2")
    alan_id = inbox(team["approver"])["results"][0]["id"]
    ada_id = inbox(team["admin"])["results"][0]["id"]

    response = client_for(team["admin"]).post(
        "/api/notifications/read", {"ids": [alan_id, ada_id]}, format="json"
    )
    assert response.json() == {"marked": 1, "unreadCount": 0}
    assert inbox(team["approver"])["unreadCount"] == 1
    again = client_for(team["admin"]).post("/api/notifications/read", {"ids": [ada_id]}, format="json")
    assert again.json()["marked"] == 0
    everything = client_for(team["approver"]).post("/api/notifications/read", {"all": True}, format="json")
    assert everything.json() == {"marked": 1, "unreadCount": 0}
    assert inbox(team["approver"], unread="true")["results"] == []

    refused = client_for(team["approver"]).post("/api/notifications/read", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_muted_kind_is_not_written_and_bad_preferences_are_refused(annual, team):
    emma = client_for(team["emma"])
    response = emma.put("/api/notifications/preferences", {"muted": ["request_decided"]}, format="json")
    assert response.json() == {"language": "", "muted": ["request_decided"], "noEmail": []}
    decide(team["approver"], ask_leave(team["emma"]), "approve")
    assert inbox(team["emma"])["unreadCount"] == 0

    for body in ({"muted": ["everything"]}, {"language": "klingon"}, {"noEmail": "request_decided"}):
        refused = emma.put("/api/notifications/preferences", body, format="json")
        assert refused.status_code == 400, body
    assert emma.get("/api/notifications/preferences").json()["muted"] == ["request_decided"]


def test_emails_go_out_once_in_the_recipients_language_and_not_when_turned_off(
    annual, team, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    team["approver"].user.email = "alan@acme.example"
    team["approver"].user.save()
    team["emma"].user.email = "emma@acme.example"
    team["emma"].user.save()
    notifications.notification_preferences_update(member=team["approver"], language="zh-hans")
    notifications.notification_preferences_update(member=team["emma"], no_email=["request_decided"])

    with django_capture_on_commit_callbacks(execute=True):
        request_id = ask_leave(team["emma"])
    with django_capture_on_commit_callbacks(execute=True):
        decide(team["approver"], request_id, "approve")

    assert [m.to for m in mail.outbox] == [["alan@acme.example"]]
    assert mail.outbox[0].subject == "[TimeLedger] Emma 申请请假"
    assert "http://" in mail.outbox[0].body
    note = Notification.objects.get(recipient=team["approver"])
    assert notification_email_send(notification_id=note.pk) is False  # a redelivered task sends nothing
    assert len(mail.outbox) == 1
    assert inbox(team["emma"])["unreadCount"] == 1  # in the app still, only not mailed


@pytest.fixture
def weekday(org, team):
    """Monday 2 March 2026, a 09:00-18:00 shift (Asia/Shanghai), reminders 30 minutes after."""
    AttendancePolicy.objects.filter(organization=org).update(reminder_minutes=30)
    return date(2026, 3, 2)


def reminders_at(when: str) -> list[tuple[str, str]]:
    with time_machine.travel(at(when), tick=False):
        missed_punch_reminders()
    return sorted(
        (n.recipient.user.username, n.kind) for n in Notification.objects.select_related("recipient__user")
    )


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-03-02 09:29", []),  # within the 30 minutes
        ("2026-03-02 09:30", [("emma", "missed_check_in")]),
        ("2026-03-02 17:59", [("emma", "missed_check_in")]),
        ("2026-03-02 18:00", []),  # the shift is over: absent, not a reminder any more
        ("2026-03-07 10:00", [("emma", "missed_check_in")]),  # the makeup workday, a Saturday
        ("2026-03-08 10:00", []),  # Sunday, a rest day
        ("2026-04-06 10:00", []),  # Qingming, a holiday
    ],
)
def test_check_in_reminders_on_a_fixed_clock(org, team, weekday, calendar_2026, when, expected):
    for username in ("alan", "wang", "olga", "ada"):
        member = team["approver" if username == "alan" else "admin" if username == "ada" else username]
        with time_machine.travel(at(when[:10] + " 08:55"), tick=False):
            post_punch(client_for(member), at(when[:10] + " 08:55"), "in", key=f"in-{username}")
    assert reminders_at(when) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-03-02 18:29", []),
        ("2026-03-02 18:30", [("emma", "missed_check_out")]),
        ("2026-03-03 05:59", [("emma", "missed_check_out")]),  # still within 12 hours of the shift's end
        ("2026-03-03 06:31", []),  # too long ago: the day is for a correction
    ],
)
def test_check_out_reminders_on_a_fixed_clock(org, team, weekday, when, expected):
    for key, member in team.items():
        with time_machine.travel(at("2026-03-02 08:55"), tick=False):
            post_punch(client_for(member), at("2026-03-02 08:55"), "in", key=f"in-{key}")
        if key != "emma":
            with time_machine.travel(at("2026-03-02 18:05"), tick=False):
                post_punch(client_for(member), at("2026-03-02 18:05"), "out", key=f"out-{key}")
    assert [n for n in reminders_at(when) if n[1] == "missed_check_out"] == expected


def test_a_reminder_is_sent_once_and_never_on_leave_or_when_turned_off(org, team, weekday, annual):
    request_id = ask_leave(team["wang"], start="2026-03-02", end="2026-03-02")
    assert decide(team["approver"], request_id, "approve").status_code == 200
    Notification.objects.all().delete()
    notifications.notification_preferences_update(member=team["olga"], muted=["missed_check_in"])

    first = reminders_at("2026-03-02 10:00")
    assert reminders_at("2026-03-02 10:05") == first  # beat ran again: nothing new
    assert ("wang", "missed_check_in") not in first  # on approved leave
    assert ("olga", "missed_check_in") not in first  # turned it off
    assert ("emma", "missed_check_in") in first

    AttendancePolicy.objects.filter(organization=org).update(reminder_minutes=0)
    Notification.objects.all().delete()
    assert reminders_at("2026-03-02 10:10") == []


def test_the_pending_digest_goes_out_once_a_day_after_nine(annual, team):
    ask_leave(team["emma"])
    ask_leave(team["wang"], key="leave-2")
    ask_leave(team["olga"], key="leave-3")
    Notification.objects.all().delete()

    with time_machine.travel(at("2026-03-02 08:59"), tick=False):
        assert pending_digest() == {"acme": 0}
    with time_machine.travel(at("2026-03-02 09:05"), tick=False):
        assert pending_digest() == {"acme": 2}
    with time_machine.travel(at("2026-03-02 15:00"), tick=False):
        assert pending_digest() == {"acme": 0}
    digests = {
        n.recipient.user.username: n.data["count"]
        for n in Notification.objects.select_related("recipient__user")
    }
    assert digests == {"alan": 2, "ada": 1}
    assert inbox(team["approver"])["results"][0]["title"] == "2 requests are waiting for your decision"
    assert LeaveRequest in decidable_models()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def test_a_notification_is_mailed_through_a_real_smtp_server(annual, team, settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        team["emma"].user.email = "emma@acme.example"
        team["emma"].user.save()
        notifications.notification_preferences_update(member=team["emma"], language="zh-hans")
        decide(team["approver"], ask_leave(team["emma"]), "approve")
        note = Notification.objects.get(recipient=team["emma"])

        assert notification_email_send(notification_id=note.pk) is True
        assert notification_email_send(notification_id=note.pk) is False
    finally:
        controller.stop()
    [message] = handler.messages
    assert message.rcpt_tos == ["emma@acme.example"]
    text = message.content.decode()
    assert "Subject: =?utf-8?" in text  # the Chinese subject, encoded
