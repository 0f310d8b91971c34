"""The employee page's writes: clock in / out, adjustment and leave requests, cancel. Each with good input
(htmx and plain form), bad input (the service's message, nothing written) and a double submission."""

import json
from datetime import date

import pytest

from apps.attendance import services
from apps.attendance.models import AdjustmentRequest, LeaveLedgerEntry, LeaveRequest, Punch
from tests.attendance.conftest import at
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db

PUNCH = "/attendance/punch/"
ADJUST = "/attendance/adjustments/"
LEAVE = "/attendance/leave/"
TODAY = date(2026, 3, 4)
YESTERDAY = date(2026, 3, 3)


def cancel_url(kind: str, pk: int) -> str:
    return f"/attendance/requests/{kind}/{pk}/cancel/"


# --- clock in / out -------------------------------------------------------------------------------------


def test_clocking_in_with_htmx_answers_the_today_panel_and_refreshes_the_month(signed_in, team):
    client = signed_in(team["emma"])

    response = post(client, PUNCH, {"kind": "in", "idempotency_key": "k-1"}, htmx=True, target="today")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="today"')
    assert "Clocked in at 10:00." in page
    assert 'data-testid="clock-out"' in page  # the next thing to do
    assert json.loads(response["HX-Trigger"]) == {"records-changed": {}}
    punch = Punch.objects.get()
    assert (punch.member, punch.kind, punch.source, punch.work_date) == (team["emma"], "in", "web", TODAY)
    assert punch.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("language", "question", "yes"),
    [
        ("en", "Clock out now? Your day ends with this punch.", "Clock out"),
        ("zh-hans", "现在下班打卡吗？打卡后今天的工作即结束。", "下班打卡"),  # noqa: RUF001
    ],
)
def test_clock_out_and_cancel_ask_for_confirmation_in_the_viewers_language(
    signed_in, team, leave_types, language, question, yes
):
    client = signed_in(team["emma"], language=language)
    post(client, PUNCH, {"kind": "in", "idempotency_key": "k-1"})
    post(client, LEAVE, TWO_DAYS)
    assert LeaveRequest.objects.count() == 1

    page = client.get("/attendance/").content.decode()

    # app.js opens the page's one <dialog> for a button with data-confirm (no inline script under the CSP).
    assert page.count('<dialog id="confirm-dialog"') == 1
    clock_out = page[page.index('data-testid="clock-out"') :].split(">", 1)[0]
    assert f'data-confirm="{question}"' in clock_out and f'data-confirm-yes="{yes}"' in clock_out
    cancel = page[page.index('data-testid="cancel"') :].split(">", 1)[0]
    assert "data-confirm=" in cancel and "data-confirm-yes=" in cancel
    assert "<script>" not in page


def test_clocking_in_without_javascript_redirects_with_a_message(signed_in, team):
    client = signed_in(team["emma"])

    response = post(client, PUNCH, {"kind": "in", "idempotency_key": "k-1"})

    assert response.status_code == 302 and response["Location"] == "/attendance/"
    page = client.get("/attendance/").content.decode()
    assert "Clocked in at 10:00." in page
    assert Punch.objects.count() == 1


def test_a_double_submitted_clock_form_records_one_punch(signed_in, team):
    client = signed_in(team["emma"])

    first = post(client, PUNCH, {"kind": "in", "idempotency_key": "same"}, htmx=True)
    again = post(client, PUNCH, {"kind": "in", "idempotency_key": "same"}, htmx=True)

    assert first.status_code == again.status_code == 200
    assert "Clocked in at 10:00." in again.content.decode()
    assert Punch.objects.count() == 1


def test_the_same_key_for_another_kind_shows_the_conflict_and_writes_nothing(signed_in, team):
    client = signed_in(team["emma"])
    post(client, PUNCH, {"kind": "in", "idempotency_key": "same"}, htmx=True)

    response = post(client, PUNCH, {"kind": "out", "idempotency_key": "same"}, htmx=True)

    assert response.status_code == 409
    assert "This Idempotency-Key was already used for a different request." in response.content.decode()
    assert Punch.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "sideways", "idempotency_key": "k"},
        {"kind": "in"},
        {"kind": "in", "idempotency_key": "k", "lat": "north"},
        {"kind": "in", "idempotency_key": "k", "lat": "91", "lon": "0"},
    ],
)
def test_a_bad_clock_form_is_400_and_writes_nothing(signed_in, team, data):
    response = post(signed_in(team["emma"]), PUNCH, data, htmx=True)

    assert response.status_code == 400
    assert "The clock form was incomplete." in response.content.decode()
    assert not Punch.objects.exists()


def test_an_idempotency_key_the_service_refuses_shows_its_message(signed_in, team):
    response = post(signed_in(team["emma"]), PUNCH, {"kind": "in", "idempotency_key": "has space"}, htmx=True)

    assert response.status_code == 400
    assert "The Idempotency-Key must be 1 to 128 printable ASCII characters." in response.content.decode()
    assert not Punch.objects.exists()


def test_clocking_in_on_a_locked_day_shows_the_period_locked_message(signed_in, team, lock_dates):
    lock_dates(team["emma"], {TODAY})

    response = post(signed_in(team["emma"]), PUNCH, {"kind": "in", "idempotency_key": "k"}, htmx=True)

    assert response.status_code == 409
    assert "This date is in a locked period" in response.content.decode()
    assert not Punch.objects.exists()


def test_a_refused_plain_clock_form_redirects_with_the_error(signed_in, team, lock_dates):
    lock_dates(team["emma"], {TODAY})
    client = signed_in(team["emma"])

    response = post(client, PUNCH, {"kind": "in", "idempotency_key": "k"})

    assert response.status_code == 302
    assert "This date is in a locked period" in client.get("/attendance/").content.decode()
    assert not Punch.objects.exists()


# --- adjustment requests --------------------------------------------------------------------------------

MISSED_OUT = {
    "kind": "missed_check_out",
    "work_date": "2026-03-03",
    "out_time": "18:05",
    "reason": "Forgot to clock out",
    "idempotency_key": "adj-1",
}


def test_an_adjustment_request_is_sent_and_the_form_comes_back_empty(signed_in, team):
    response = post(signed_in(team["emma"]), ADJUST, MISSED_OUT, htmx=True, target="adjustment-form")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your adjustment request was sent to your approver." in page
    assert 'value="adj-1"' not in page  # a fresh key for the next request
    assert json.loads(response["HX-Trigger"]) == {"requests-changed": {}}
    request = AdjustmentRequest.objects.get()
    assert (request.kind, request.work_date, request.status) == ("missed_check_out", YESTERDAY, "pending")
    assert request.requested_out_at == at("2026-03-03 18:05") and request.requested_in_at is None


def test_a_time_the_kind_does_not_use_is_left_out(signed_in, team):
    post(signed_in(team["emma"]), ADJUST, {**MISSED_OUT, "in_time": "09:00"}, htmx=True)

    assert AdjustmentRequest.objects.get().requested_in_at is None


def test_a_checkout_after_midnight_lands_on_the_next_day(signed_in, team):
    data = {**MISSED_OUT, "out_time": "01:30", "out_next_day": "on"}

    post(signed_in(team["emma"]), ADJUST, data, htmx=True)

    assert AdjustmentRequest.objects.get().requested_out_at == at("2026-03-04 01:30")


def test_a_double_submitted_adjustment_form_creates_one_request(signed_in, team):
    client = signed_in(team["emma"])

    first = post(client, ADJUST, MISSED_OUT, htmx=True)
    again = post(client, ADJUST, MISSED_OUT, htmx=True)

    assert first.status_code == again.status_code == 200
    assert AdjustmentRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"reason": ""}, 400, "This field is required."),
        ({"out_time": ""}, 400, "Enter the time you left."),
        ({"work_date": "yesterday"}, 400, "Enter a valid date."),
        ({"work_date": "2026-03-05"}, 400, "An adjustment can only be asked for a past day or today."),
        ({"work_date": "2026-03-04"}, 400, "requestedOutAt must be on the work date (or the night after it)"),
        ({"reason": "x" * 501}, 400, "Ensure this value has at most 500 characters"),
        (
            {"kind": "time_correction", "out_time": ""},
            400,
            "Enter the check-in time, the check-out time or both.",
        ),
    ],
)
def test_a_bad_adjustment_form_shows_the_message_and_writes_nothing(signed_in, team, change, status, message):
    response = post(signed_in(team["emma"]), ADJUST, {**MISSED_OUT, **change}, htmx=True)

    assert response.status_code == status
    assert message in response.content.decode()
    assert 'value="adj-1"' in response.content.decode()  # the same key: a retry is still one request
    assert not AdjustmentRequest.objects.exists()


def test_a_second_adjustment_for_the_same_day_shows_the_conflict(signed_in, team):
    client = signed_in(team["emma"])
    post(client, ADJUST, MISSED_OUT, htmx=True)

    response = post(client, ADJUST, {**MISSED_OUT, "idempotency_key": "adj-2"}, htmx=True)

    assert response.status_code == 409
    assert "An adjustment for this day is already waiting for a decision." in response.content.decode()
    assert AdjustmentRequest.objects.count() == 1


def test_a_bad_plain_adjustment_form_renders_the_whole_page_with_the_error(signed_in, team):
    response = post(signed_in(team["emma"]), ADJUST, {**MISSED_OUT, "work_date": "2026-03-05"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "<html" in page and "An adjustment can only be asked for a past day or today." in page
    assert not AdjustmentRequest.objects.exists()


def test_a_plain_adjustment_form_redirects_to_my_requests(signed_in, team):
    client = signed_in(team["emma"])

    response = post(client, ADJUST, MISSED_OUT)

    assert response.status_code == 302 and response["Location"] == "/attendance/#requests"
    assert "Your adjustment request was sent" in client.get("/attendance/").content.decode()


# --- leave requests -------------------------------------------------------------------------------------

TWO_DAYS = {
    "leave_type": "annual",
    "start_date": "2026-03-09",
    "end_date": "2026-03-10",
    "reason": "Family",
    "idempotency_key": "leave-1",
}


def test_a_leave_request_is_sent_and_the_balances_refresh(signed_in, team, leave_types):
    response = post(signed_in(team["emma"]), LEAVE, TWO_DAYS, htmx=True, target="leave-form")

    assert response.status_code == 200
    assert "Your leave request was sent to your approver." in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"requests-changed": {}, "balances-changed": {}}
    request = LeaveRequest.objects.get()
    assert (request.amount, request.working_days, request.status) == (2, 2, "pending")


def test_a_double_submitted_leave_form_creates_one_request(signed_in, team, leave_types):
    client = signed_in(team["emma"])

    post(client, LEAVE, TWO_DAYS, htmx=True)
    again = post(client, LEAVE, TWO_DAYS, htmx=True)

    assert again.status_code == 200
    assert LeaveRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"end_date": "2026-03-08"}, 400, "endDate is before startDate."),
        (
            {"start_date": "2026-03-07", "end_date": "2026-03-08"},
            400,
            "There is no working day in this range",
        ),
        ({"end_date": "2026-03-31"}, 409, "Not enough Annual leave left: 10.00 day(s), 17 asked."),
        ({"leave_type": "nope"}, 400, "Select a valid choice."),
        ({"half": "am"}, 400, "A half day is only for half-day leave on a single date."),
        (
            {"leave_type": "hours", "end_date": "2026-03-09"},
            400,
            "Hourly leave gives hours on a single date.",
        ),
        ({"start_date": ""}, 400, "This field is required."),
    ],
)
def test_a_bad_leave_form_shows_the_message_and_writes_nothing(
    signed_in, team, leave_types, change, status, message
):
    response = post(signed_in(team["emma"]), LEAVE, {**TWO_DAYS, **change}, htmx=True)

    assert response.status_code == status
    assert message in response.content.decode()
    assert not LeaveRequest.objects.exists()


def test_overlapping_leave_shows_the_conflict(signed_in, team, leave_types):
    client = signed_in(team["emma"])
    post(client, LEAVE, TWO_DAYS, htmx=True)

    response = post(
        client, LEAVE, {**TWO_DAYS, "idempotency_key": "leave-2", "start_date": "2026-03-10"}, htmx=True
    )

    assert response.status_code == 409
    assert "This overlaps another leave request that is pending or approved." in response.content.decode()
    assert LeaveRequest.objects.count() == 1


# --- cancel ---------------------------------------------------------------------------------------------


def test_cancelling_a_pending_adjustment_answers_the_updated_list(signed_in, team):
    client = signed_in(team["emma"])
    post(client, ADJUST, MISSED_OUT, htmx=True)
    request = AdjustmentRequest.objects.get()

    response = post(client, cancel_url("adjustment", request.pk), htmx=True, target="requests")

    assert response.status_code == 200
    page = response.content.decode()
    assert "The request was cancelled." in page and "Cancelled" in page
    request.refresh_from_db()
    assert request.status == "cancelled"


def test_cancelling_approved_leave_gives_the_balance_back(signed_in, team, leave_types):
    client = signed_in(team["emma"])
    post(client, LEAVE, TWO_DAYS, htmx=True)
    request = LeaveRequest.objects.get()
    services.leave_request_approve(request=request, approver=team["approver"])
    assert services.leave_balance(member=team["emma"], leave_type=leave_types) == 8

    response = post(client, cancel_url("leave", request.pk), htmx=True, target="requests")

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"balances-changed": {}, "records-changed": {}}
    assert services.leave_balance(member=team["emma"], leave_type=leave_types) == 10
    assert LeaveLedgerEntry.objects.filter(kind="reversal").count() == 1


def test_cancelling_twice_shows_the_conflict_and_changes_nothing(signed_in, team):
    client = signed_in(team["emma"])
    post(client, ADJUST, MISSED_OUT, htmx=True)
    request = AdjustmentRequest.objects.get()
    post(client, cancel_url("adjustment", request.pk), htmx=True)

    response = post(client, cancel_url("adjustment", request.pk), htmx=True)

    assert response.status_code == 409
    assert "This request is already cancelled." in response.content.decode()


def test_someone_elses_request_cannot_be_cancelled_and_is_404(signed_in, team, make_member, other_org):
    post(signed_in(team["wang"]), ADJUST, MISSED_OUT, htmx=True)
    wangs = AdjustmentRequest.objects.get()
    stranger = make_member("stranger", organization=other_org)

    assert post(signed_in(team["emma"]), cancel_url("adjustment", wangs.pk), htmx=True).status_code == 404
    assert post(signed_in(stranger), cancel_url("adjustment", wangs.pk)).status_code == 404
    assert post(signed_in(team["emma"]), cancel_url("leave", 999999)).status_code == 404
    wangs.refresh_from_db()
    assert wangs.status == "pending"


def test_a_plain_cancel_redirects_back_to_my_requests(signed_in, team):
    client = signed_in(team["emma"])
    post(client, ADJUST, MISSED_OUT)

    response = post(client, cancel_url("adjustment", AdjustmentRequest.objects.get().pk))

    assert response.status_code == 302 and response["Location"] == "/attendance/#requests"
    assert AdjustmentRequest.objects.get().status == "cancelled"


def test_the_pages_refuse_get_on_write_urls(signed_in, team):
    client = signed_in(team["emma"])

    assert client.get(PUNCH).status_code == 405
    assert client.get(ADJUST).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(client, team):
    client.force_login(team["emma"].user)

    response = client.post(PUNCH, {"kind": "in", "idempotency_key": "k"})

    assert response.status_code == 403
    assert not Punch.objects.exists()


# --- geofence -------------------------------------------------------------------------------------------


@pytest.fixture
def strict_geofence(org, team):
    services.site_create(organization=org, name="Factory", latitude=31.2304, longitude=121.4737, radius_m=200)
    services.policy_update(organization=org, geofence="strict")


def test_a_geofenced_organization_asks_the_page_for_the_location(signed_in, team, strict_geofence):
    page = signed_in(team["emma"]).get("/attendance/").content.decode()

    assert "data-geolocate" in page and 'name="lat"' in page


def test_a_punch_with_the_location_on_site_is_recorded_with_it(signed_in, team, strict_geofence):
    data = {"kind": "in", "idempotency_key": "k", "lat": "31.2310", "lon": "121.4740", "accuracy": "15"}

    response = post(signed_in(team["emma"]), PUNCH, data, htmx=True)

    assert response.status_code == 200
    punch = Punch.objects.get()
    assert (punch.latitude, punch.longitude, punch.outside_geofence) == (31.231, 121.474, False)


def test_a_punch_off_site_shows_the_geofence_refusal_and_writes_nothing(signed_in, team, strict_geofence):
    data = {"kind": "in", "idempotency_key": "k", "lat": "31.3000", "lon": "121.5000"}

    response = post(signed_in(team["emma"]), PUNCH, data, htmx=True)

    assert response.status_code == 422
    assert "You are not at a work site" in response.content.decode()
    assert not Punch.objects.exists()
