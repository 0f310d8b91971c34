"""One date format per language on every page: English "4 Dec 2026" (and "4 Dec 2026 14:05"), Chinese
"2026年12月4日". Each role of the demo organization signs in and visits every page it reaches from its
landing page (one per URL shape, as the browser crawl does); the words a person reads (not attributes,
scripts or form values) hold no ISO date, no "Dec. 4, 2026", no 12/04/2026 or 2026/12/04, and in Chinese
no English month (nor an English month title, "December 2026")."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from apps.access import roles
from apps.access.models import Membership

pytestmark = pytest.mark.django_db

SKIPPED = re.compile(
    r"^/(api|django-admin|static|media|i18n|healthz|readyz|metrics)(/|$)|/accounts/logout/|\.(csv|ics|json|xlsx)$"
    r"|/export/|/download/|/feed"
)
MAX_PAGES = 60
OTHER_FORMATS = {
    "ISO": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "slashes": re.compile(r"\b\d{1,4}/\d{1,2}/\d{2,4}\b"),
    "Django's English": re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\. \d"),
    "month first": re.compile(
        r"\b(January|February|March|April|May|June|July|August|September|October"
        r"|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}"
    ),
}
ENGLISH_MONTH = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")
CHINESE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
ENGLISH_MONTH_TITLE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b"
)


class _Reader(HTMLParser):
    """The text a person reads, and the page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template", "textarea", "code", "pre"}:
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href and "download" not in dict(attrs):
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template", "textarea", "code", "pre"}:
            self._hidden = max(self._hidden - 1, 0)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.words.append(data.strip())


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def _visit(client: Client, start: str) -> dict[str, str]:
    """path -> the words of each page the client reaches from `start`."""
    seen, queue, pages = set(), [start], {}
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        reader = _Reader()
        reader.feed(response.content.decode())
        pages[path] = "\n".join(reader.words)
        for href in reader.links:
            parts = urlsplit(href)
            if not parts.netloc and parts.path.startswith("/") and not SKIPPED.search(parts.path):
                queue.append(parts.path)
    return pages


@pytest.mark.parametrize("username", ["employee", "approver", "admin"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_writes_dates_one_way_in_each_language(username, language):
    call_command("demo_seed", stdout=StringIO())
    member = Membership.objects.select_related("user").get(user__username=username)
    client = Client()
    client.force_login(member.user)
    client.cookies["django_language"] = language
    pages = _visit(client, "/attendance/" if username != "admin" else "/admin-center/")
    assert len(pages) >= 2, pages.keys()

    found = []
    for path, words in pages.items():
        for name, pattern in OTHER_FORMATS.items():
            found += [(path, name, match.group(0)) for match in pattern.finditer(words)]
        if language != "en":
            found += [(path, "English month", match.group(0)) for match in ENGLISH_MONTH.finditer(words)]
            found += [(path, "English month title", m.group(0)) for m in ENGLISH_MONTH_TITLE.finditer(words)]
    assert found == [], "\n".join(map(str, found))
    # And the one format is there: the demo's month, requests and history have dates.
    expected = ENGLISH_MONTH if language == "en" else CHINESE_DATE
    assert any(expected.search(words) for words in pages.values())


@pytest.mark.parametrize(("language", "title"), [("en", "December 2026"), ("zh-hans", "2026年12月")])
def test_a_month_is_named_in_the_languages_format(make_member, language, title):
    """The month of the employee's calendar, of the team's month and of a person's page in the Admin Center:
    YEAR_MONTH_FORMAT of config/formats through the `month` filter."""
    with time_machine.travel(datetime(2026, 12, 4, 3, tzinfo=UTC), tick=False):
        admin = make_member("ada", roles.ADMIN)
        client = Client()
        client.force_login(admin.user)
        client.cookies["django_language"] = language
        for url, heading in (
            ("/attendance/", "month-title"),
            ("/attendance/team/month/", "team-month-title"),
            (f"/admin-center/users/{admin.user_id}/", "month-title"),
        ):
            html = client.get(url).content.decode()
            assert f'<h2 id="{heading}">{title}</h2>' in html, url
        assert f'aria-label="{title}"' in client.get("/attendance/").content.decode()
