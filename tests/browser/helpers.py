"""Helpers for browser tests: sign in through the real form, save screenshots."""

from pathlib import Path
from urllib.parse import quote

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


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as output/playwright/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
