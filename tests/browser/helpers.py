"""Helpers for browser tests: sign in (and out) through the real form, the role groups as migrated, save
screenshots."""

from pathlib import Path
from urllib.parse import quote

from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from apps.access import roles
from tests.factories import PASSWORD

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "output" / "playwright"


def login(page, live_server, username: str, password: str, *, next_url: str = "") -> None:
    """Sign in through the real login form and wait for the signed-in header."""
    url = f"{live_server.url}/accounts/login/"
    if next_url:
        url += f"?next={quote(next_url)}"
    page.goto(url)
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    # Either the signed-in header or the form's error message comes back.
    page.locator("[data-testid=current-user], [data-testid=login-error]").first.wait_for()
    if not page.get_by_test_id("current-user").is_visible():
        body = page.locator("main").inner_text()[:300]
        raise AssertionError(f"Sign-in as {username!r} failed; {page.url} shows: {body!r}")
    # The header is in the HTML, so it is there before the page's module scripts have run; a test that then
    # picks a file or clicks at once would act on a page whose listeners are not attached yet (seen in CI:
    # the Import Center ignored a file chosen a moment too early). Module scripts run before the load event.
    page.wait_for_load_state("load")


def sign_out(page) -> None:
    """Sign out with the header's button and wait until no one is signed in."""
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def sign_in_as(page, live_server, username: str, next_url: str = "", *, password: str = PASSWORD) -> None:
    """Sign in as `username` (the factories' password), signing whoever is signed in out first: a walk
    that changes hands between people calls this at each change."""
    if page.get_by_test_id("sign-out").count():
        page.get_by_test_id("sign-out").click()
        page.wait_for_url("**/accounts/login/**")
    login(page, live_server, username, password, next_url=next_url)


def roles_as_migrated() -> None:
    """The four role groups with their permissions, as migration access/0002 creates them.

    tests/browser/conftest.py promises them to every browser test, but after the first transactional test
    of a session the flush leaves no groups behind (serialized rollback restores nothing here), so a later
    test's members would get no roles. Until that is fixed there, a walk puts them back itself."""
    for role, codenames in roles.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="access", codename__in=codenames)
        )


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as output/playwright/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
