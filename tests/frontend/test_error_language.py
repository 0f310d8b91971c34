"""Error messages come in the request's language (Accept-Language or the language cookie), in the API
envelope and on the pages that show them; the codes stay the same."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from apps.access import roles
from tests.frontend.conftest import csrf_token

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def in_chinese(english: str) -> str:
    with translation.override("zh-hans"):
        chinese = translation.gettext(english)
    assert chinese != english and CHINESE.search(chinese), f"no Chinese translation of {english!r}"
    return chinese


def test_an_api_error_speaks_the_language_the_client_asks_for(api_as, make_member):
    client = api_as(make_member("ivy", roles.IMPORTER))
    url = "/api/attendance/import/commit"
    body = {"commitToken": "nope", "idempotencyKey": "k1"}

    english = client.post(url, body, format="json").json()["error"]
    chinese = client.post(url, body, format="json", **ZH).json()["error"]

    assert chinese["code"] == english["code"] == "COMMIT_TOKEN_INVALID"
    assert chinese["message"] == in_chinese(english["message"])


def test_field_messages_of_the_api_follow_the_language_too(api_as, make_member):
    client = api_as(make_member("emma", roles.EMPLOYEE))

    refused = client.post("/api/attendance/leave-requests", {}, format="json", HTTP_IDEMPOTENCY_KEY="x", **ZH)

    assert refused.status_code == 400 and refused.json()["error"]["code"] == "VALIDATION_ERROR"
    fields = refused.json()["error"]["details"]["fields"]
    assert fields and all(CHINESE.search(message) for messages in fields.values() for message in messages)
    # Our own field messages too, not only DRF's.
    bad_date = client.get("/api/attendance/records", {"from": "soon"}, **ZH).json()["error"]
    assert bad_date["details"]["fields"]["from"] == [in_chinese("Not a date.")]


def test_a_page_shows_a_refusal_in_chinese(client, make_member):
    admin = make_member("boss", roles.ADMIN)
    client.force_login(admin.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    shift = {"form": "shift", "shift-name": "Odd", "shift-start_time": "09:00", "shift-end_time": "10:00",
             "shift-break_minutes": "90", "shift-late_grace_minutes": "0",
             "csrfmiddlewaretoken": csrf_token(client)}  # fmt: skip

    response = client.post("/admin-center/settings/attendance/shifts-and-sites/", shift)

    assert response.status_code == 400
    page = response.content.decode()
    assert in_chinese("The break must be shorter than the shift.") in page
    assert "The break must be shorter than the shift." not in page
