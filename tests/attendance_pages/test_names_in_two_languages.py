"""Leave types and holidays have an English and a Chinese name: the pages show the viewer's language (the
other when that one is empty), the API gives both (`name` / `nameZh`, `holiday` / `holidayNameZh`)."""

from datetime import date

import pytest

from apps.attendance import services
from tests.attendance.conftest import client_for
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(org, team):
    services.leave_type_create(
        organization=org, code="marriage", name="Marriage leave", name_zh="婚假", yearly_allowance=3
    )
    services.leave_type_create(organization=org, code="study", name="Study leave", yearly_allowance=2)
    services.leave_accrue_year(organization=org, year=2026)
    # NOW (tests/attendance_pages/conftest.py) is Wednesday 4 March 2026.
    services.holiday_set(organization=org, day=date(2026, 3, 4), name="Founders' Day", name_zh="建司日")


def _row(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</tr>")[0]


def test_the_employee_page_names_leave_types_and_the_holiday_in_the_viewers_language(signed_in, team, named):
    english = signed_in(team["emma"]).get("/attendance/").content.decode()
    assert "Marriage leave" in _row(english, "balance-marriage") and "婚假" not in english
    assert "Founders&#x27; Day" in english and "建司日" not in english

    chinese = signed_in(team["emma"], "zh-hans").get("/attendance/").content.decode()
    assert "婚假" in _row(chinese, "balance-marriage") and "Marriage leave" not in chinese
    assert "建司日" in chinese and "Founders" not in chinese
    assert '<option value="marriage">婚假</option>' in chinese
    # No Chinese name: the English one, rather than nothing.
    assert "Study leave" in _row(chinese, "balance-study")


def test_my_requests_and_the_inbox_name_the_leave_type_in_the_viewers_language(signed_in, team, named):
    ask = {
        "idempotency_key": "lv-1",
        "leave_type": "marriage",
        "start_date": "2026-03-09",
        "end_date": "2026-03-09",
    }
    assert post(signed_in(team["emma"]), "/attendance/leave/", ask, htmx=True).status_code == 200

    mine = signed_in(team["emma"], "zh-hans").get("/attendance/").content.decode()
    assert "婚假" in mine.split('data-testid="my-requests"')[1]
    inbox = signed_in(team["approver"], "zh-hans").get("/attendance/approvals/").content.decode()
    assert "婚假" in inbox and "Marriage leave" not in inbox
    english = signed_in(team["approver"]).get("/attendance/approvals/").content.decode()
    assert "Marriage leave" in english and "婚假" not in english


def test_the_api_gives_both_names(team, named):
    types = {t["code"]: t for t in client_for(team["emma"]).get("/api/attendance/leave-types").json()}
    assert (types["marriage"]["name"], types["marriage"]["nameZh"]) == ("Marriage leave", "婚假")
    assert (types["study"]["name"], types["study"]["nameZh"]) == ("Study leave", "")

    days = client_for(team["emma"]).get(
        "/api/attendance/schedule", {"from": "2026-03-04", "to": "2026-03-05"}
    )
    first, second = days.json()
    assert (first["holiday"], first["holidayNameZh"]) == ("Founders' Day", "建司日")
    assert (second["holiday"], second["holidayNameZh"]) == (None, None)
