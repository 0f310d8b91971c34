"""`manage.py demo_seed` gives each demo role something to see: two weeks of the team's attendance,
imported from a DingTalk export as a batch the importer can roll back, and two requests for the approver."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.imports.demo import HISTORY_DAYS, TEAM, dingtalk_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo_seed", stdout=StringIO())
    call_command("demo_seed", stdout=StringIO())  # again: nothing is imported or asked twice
    organization = Organization.objects.get(slug="acme")
    members = {
        m.user.username: m
        for m in Membership.objects.filter(organization=organization).select_related("user")
    }
    return organization, members


def test_the_team_history_is_one_import_batch_the_importer_can_roll_back(demo, api_as):
    organization, members = demo
    importer = api_as(members["importer"])

    batches = importer.get("/api/attendance/import/batches").json()["results"]
    assert len(batches) == 1
    batch = batches[0]
    assert batch["status"] == "completed"
    assert (batch["createdCount"], batch["failedCount"], batch["skippedCount"]) == (
        len(TEAM) * HISTORY_DAYS,
        0,
        0,
    )

    today = timezone.localdate(timezone.now(), organization.tzinfo)
    period = {
        "from": (today - timedelta(days=HISTORY_DAYS)).isoformat(),
        "to": (today - timedelta(days=1)).isoformat(),
    }
    employee = api_as(members["employee"]).get("/api/attendance/records", period).json()
    assert employee["summary"]["days"] == HISTORY_DAYS
    assert employee["summary"]["byStatus"]["partial"] == 1  # the day without a check-out
    nights = api_as(members["sam.night"]).get("/api/attendance/records", period).json()["results"]
    worked = [record for record in nights if record["status"] == "normal"]
    local_out = [
        datetime.fromisoformat(record["lastOutAt"].replace("Z", "+00:00")).astimezone(organization.tzinfo)
        for record in worked
    ]
    assert worked and all(  # 次日 06:0x: the check-out is on the next calendar day, at six
        (out.date() - date.fromisoformat(record["workDate"]), out.hour) == (timedelta(days=1), 6)
        for out, record in zip(local_out, worked, strict=True)
    )

    importer = api_as(members["importer"])
    response = importer.post(f"/api/attendance/import/batches/{batch['id']}/rollback", {}, format="json")
    assert response.status_code == 200, response.json()
    assert api_as(members["employee"]).get("/api/attendance/records", period).json()["summary"]["days"] == 0


def test_the_approver_finds_a_missed_check_out_and_a_leave_request_waiting(demo, api_as):
    _organization, members = demo
    approver = api_as(members["approver"])

    adjustments = approver.get("/api/attendance/adjustments", {"scope": "team", "status": "pending"}).json()
    [adjustment] = adjustments["results"]
    assert (adjustment["kind"], adjustment["member"]["username"]) == ("missed_check_out", "employee")
    leave = approver.get("/api/attendance/leave-requests", {"scope": "team", "status": "pending"}).json()
    today = timezone.localdate(timezone.now(), members["li.na"].organization.tzinfo)
    next_monday = today + timedelta(days=7 - today.weekday())
    expected = ["li.na"] if next_monday.year == today.year else []  # next year has no balance yet
    assert [request["member"]["username"] for request in leave["results"]] == expected
    if expected:
        assert (leave["results"][0]["startDate"], leave["results"][0]["endDate"]) == (
            next_monday.isoformat(),
            (next_monday + timedelta(days=1)).isoformat(),
        )


def test_the_export_reads_as_dingtalk_wrote_it(demo, api_as):
    """The seeded file exercises the DingTalk reader: GB18030, title rows, `26-11-16 星期一` dates, 次日."""
    _organization, members = demo
    team = [members[name] for name in TEAM]
    data = dingtalk_export(members=team, start=timezone.localdate() - timedelta(days=40), days=7)
    importer = api_as(members["importer"])
    upload = importer.generic(
        "POST", "/api/attendance/import/upload?filename=d.csv", data=data, content_type="text/csv"
    )
    assert upload.status_code == 201, upload.json()
    body = importer.post(
        "/api/attendance/import/preview", {"uploadId": upload.json()["id"]}, format="json"
    ).json()
    assert body["detection"]["format"] == "dingtalk_daily"
    assert body["detection"]["encoding"] == "gb18030"
    assert body["detection"]["headerLine"] == 3
    assert (body["summary"]["valid"], body["summary"]["invalid"]) == (len(TEAM) * 7, 0)
