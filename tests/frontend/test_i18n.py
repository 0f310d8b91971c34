"""English and Simplified Chinese: the committed catalogue is complete for the front end and compiled."""

import gettext
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

from apps.access import roles
from tests.frontend.conftest import csrf_token

LOCALE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


def _po_catalogue() -> dict:
    """What a correct .mo holds: the translated, non-fuzzy entries, keyed the way gettext keys them."""
    catalogue = {}
    for entry in polib.pofile(str(PO)).translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                catalogue[(key, int(index))] = text
        else:
            catalogue[key] = entry.msgstr
    return catalogue


def _mo_catalogue(path: Path) -> dict:
    with path.open("rb") as handle:
        catalogue = dict(gettext.GNUTranslations(handle)._catalog)
    catalogue.pop("", None)  # the header
    return catalogue


def test_the_committed_mo_holds_exactly_the_translations_of_the_po():
    assert _mo_catalogue(MO) == _po_catalogue()


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_msgfmt_accepts_the_po_and_compiles_the_same_catalogue(tmp_path):
    compiled = tmp_path / "django.mo"

    subprocess.run(["msgfmt", "--check-format", "--check-header", "-o", str(compiled), str(PO)], check=True)

    assert _mo_catalogue(compiled) == _mo_catalogue(MO)


def test_every_string_of_the_catalogue_is_translated():
    """Pages, forms and messages of the front end and of every app (a fuzzy guess is not a translation)."""
    entries = [entry for entry in polib.pofile(str(PO)) if not entry.obsolete]
    untranslated = [entry.msgid for entry in entries if not entry.translated()]
    scanned = {
        path.split("/")[0] + "/" + path.split("/")[1] for entry in entries for path, _ in entry.occurrences
    }

    assert {"frontend/templates", "apps/access", "apps/attendance", "apps/audit", "apps/imports"} <= scanned
    assert untranslated == []


@pytest.mark.django_db
def test_the_too_many_requests_page_is_in_chinese(client, settings, still_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "1/m"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    attempt = {"username": "x", "password": "wrong", "csrfmiddlewaretoken": csrf_token(client)}
    client.post("/accounts/login/", attempt)

    refused = client.post("/accounts/login/", attempt)

    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode()


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = client.get("/accounts/login/").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html
    assert "用户名" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_the_login_page_is_in_english_by_default(client):
    html = client.get("/accounts/login/").content.decode()

    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html


@pytest.mark.django_db
def test_a_browser_asking_for_chinese_gets_chinese(client):
    html = client.get("/accounts/login/", headers={"accept-language": "zh-CN,zh;q=0.9"}).content.decode()

    assert "<h1>登录</h1>" in html


@pytest.mark.django_db
def test_the_language_switch_sets_the_cookie_and_returns_to_the_page(client):
    token = csrf_token(client)

    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "<h1>登录</h1>" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_the_language_switch_refuses_to_send_you_to_another_site(client):
    response = client.post(
        "/i18n/setlang/",
        {"language": "zh-hans", "next": "https://evil.example/", "csrfmiddlewaretoken": csrf_token(client)},
    )

    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_page_not_found_speaks_chinese_too(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_the_navigation_of_an_admin_is_in_chinese(client, make_member, nav_urls):
    member = make_member("boss", roles.ADMIN)
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = client.get("/no-such-page/").content.decode()

    for label in ("我的考勤", "审批", "导入中心", "管理中心", "退出登录"):
        assert label in html
