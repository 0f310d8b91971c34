"""The employee page's overtime form: a request is sent (htmx and plain), a double submission writes one,
bad input and a locked day are shown in words, and the form is in Chinese too."""

import json

import pytest

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
