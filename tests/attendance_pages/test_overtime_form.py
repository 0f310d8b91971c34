"""The employee page's overtime form: a request is sent (htmx and plain), a double submission writes one,
bad input and a locked day are shown in words, and the form is in Chinese too."""

import json

import pytest

from apps.attendance import services
from apps.attendance.models import OvertimeRequest
from tests.attendance.conftest import at
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db

URL = "/attendance/overtime/"
ASK = {"idempotency_key": "ot-1", "work_date": "2026-03-03", "minutes": "90", "reason": "Release night"}


def test_the_page_has_the_overtime_form_in_english_and_chinese(signed_in, team):
    page = signed_in(team["emma"]).get("/attendance/").content.decode()
    assert 'data-testid="overtime-form"' in page and "Ask for overtime" in page
    chinese = signed_in(team["wang"], "zh-hans").get("/attendance/").content.decode()
    assert "申请加班" in chinese and "加班分钟数" in chinese


def test_an_overtime_request_is_sent_once_and_the_form_comes_back_empty(signed_in, team):
    client = signed_in(team["emma"])
    first = post(client, URL, ASK, htmx=True, target="overtime-form")
    again = post(client, URL, ASK, htmx=True, target="overtime-form")
    assert first.status_code == again.status_code == 200
    assert "Your overtime request was sent to your approver." in first.content.decode()
    assert 'value="ot-1"' not in first.content.decode()
    assert json.loads(first["HX-Trigger"]) == {"requests-changed": {}}
    request = OvertimeRequest.objects.get()
    assert (request.work_date.isoformat(), request.minutes, request.status) == ("2026-03-03", 90, "pending")


def test_without_javascript_the_form_redirects_back(signed_in, team):
    response = post(signed_in(team["emma"]), URL, ASK)
    assert response.status_code == 302 and response["Location"].startswith("/attendance/")
    assert OvertimeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"minutes": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"minutes": "lots"}, "Enter a whole number."),
        ({"reason": ""}, "This field is required."),
        ({"work_date": "2026-05-01"}, "Overtime can be asked for at most 31 days ahead."),
    ],
)
def test_bad_input_is_shown_and_writes_nothing(signed_in, team, change, message):
    response = post(signed_in(team["emma"]), URL, {**ASK, **change}, htmx=True)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OvertimeRequest.objects.exists()


def test_a_locked_day_is_refused_in_words(signed_in, team, lock_dates):
    lock_dates(team["emma"], {at("2026-03-03 00:00").date()})
    response = post(signed_in(team["emma"]), URL, ASK, htmx=True)
    assert response.status_code == 409
    assert "PERIOD_LOCKED" not in response.content.decode()
    assert not OvertimeRequest.objects.exists()


def _cancel(pk: int) -> str:
    return f"/attendance/requests/overtime/{pk}/cancel/"


def test_my_requests_lists_an_overtime_request_with_its_status_in_english_and_chinese(signed_in, team):
    post(signed_in(team["emma"]), URL, ASK, htmx=True)
    request = OvertimeRequest.objects.get()

    page = signed_in(team["emma"]).get("/attendance/?section=requests").content.decode()
    row = page.split(f'data-testid="request-overtime-{request.pk}"')[1].split("</tr>")[0]
    assert "Overtime" in row and "90 minutes" in row and "Release night" in row
    assert "Pending" in row and _cancel(request.pk) in row

    chinese = signed_in(team["emma"], "zh-hans").get("/attendance/").content.decode()
    row = chinese.split(f'data-testid="request-overtime-{request.pk}"')[1].split("</tr>")[0]
    assert "加班" in row and "90 分钟" in row and "待审批" in row


def test_cancelling_a_pending_overtime_request_answers_the_updated_list(signed_in, team):
    client = signed_in(team["emma"])
    post(client, URL, ASK, htmx=True)
    request = OvertimeRequest.objects.get()

    response = post(client, _cancel(request.pk), htmx=True, target="requests")

    assert response.status_code == 200
    row = response.content.decode().split(f'data-testid="request-overtime-{request.pk}"')[1].split("</tr>")[0]
    assert "Cancelled" in row and _cancel(request.pk) not in row
    request.refresh_from_db()
    assert request.status == "cancelled"
    again = post(client, _cancel(request.pk), htmx=True)
    assert again.status_code == 409 and "This request is already cancelled." in again.content.decode()


def test_a_decided_overtime_request_shows_its_decision_and_no_cancel(signed_in, team):
    post(signed_in(team["emma"]), URL, ASK, htmx=True)
    request = OvertimeRequest.objects.get()
    services.overtime_request_reject(request=request, approver=team["approver"], comment="Not this week")

    page = signed_in(team["emma"]).get("/attendance/").content.decode()
    row = page.split(f'data-testid="request-overtime-{request.pk}"')[1].split("</tr>")[0]
    assert "Rejected" in row and "Not this week" in row and _cancel(request.pk) not in row
    assert post(signed_in(team["emma"]), _cancel(request.pk)).status_code == 302
    request.refresh_from_db()
    assert request.status == "rejected"


def test_someone_elses_overtime_request_cannot_be_cancelled(signed_in, team):
    post(signed_in(team["wang"]), URL, ASK, htmx=True)
    wangs = OvertimeRequest.objects.get()

    assert post(signed_in(team["emma"]), _cancel(wangs.pk), htmx=True).status_code == 404
    wangs.refresh_from_db()
    assert wangs.status == "pending"


def test_approved_overtime_can_be_cancelled_after_a_confirmation_that_says_what_happens(signed_in, team):
    post(signed_in(team["emma"]), URL, ASK, htmx=True)
    request = OvertimeRequest.objects.get()
    services.overtime_request_approve(request=request, approver=team["approver"])

    page = signed_in(team["emma"], "zh-hans").get("/attendance/").content.decode()
    row = page.split(f'data-testid="request-overtime-{request.pk}"')[1].split("</tr>")[0]
    assert "已批准" in row and "撤销这项已批准的加班吗" in row
    response = post(signed_in(team["emma"]), _cancel(request.pk), htmx=True, target="requests")
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == "cancelled"
