"""The browser fixtures themselves: they must catch what they promise to catch."""

import pytest

pytestmark = pytest.mark.browser

# A routed address: Playwright answers it, nothing goes over the network.
PROBE = "http://127.0.0.1:9/probe"


def _serve(page, body: str, *, script: str = "") -> None:
    headers = {"Content-Type": "text/html", "Content-Security-Policy": "default-src 'self'"}
    page.route(PROBE, lambda route: route.fulfill(status=200, headers=headers, body=body))
    page.route(
        f"{PROBE}.js",
        lambda route: route.fulfill(status=200, headers={"Content-Type": "text/javascript"}, body=script),
    )


def test_an_inline_script_under_the_csp_is_reported_as_a_problem(page, browser_log):
    _serve(page, "<!doctype html><p>probe</p><script>document.title = 'inline ran'</script>")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.goto(PROBE)

    assert page.title() != "inline ran"
    assert any("CSP violation" in problem for problem in browser_log.problems)
    browser_log.problems.clear()  # seen and asserted: don't fail this test for it


def test_an_uncaught_script_error_is_reported_as_a_problem(page, browser_log):
    _serve(page, f'<!doctype html><script src="{PROBE}.js"></script>', script="throw new Error('boom');")
    with page.expect_event("pageerror"):
        page.goto(PROBE)

    assert any("uncaught JavaScript error" in p and "boom" in p for p in browser_log.problems)
    browser_log.problems.clear()


def test_a_clean_page_reports_nothing(page, browser_log):
    _serve(
        page,
        f'<!doctype html><p id="ok">ok</p><script src="{PROBE}.js"></script>',
        script="console.log('hi');",
    )
    page.goto(PROBE)

    assert page.locator("#ok").inner_text() == "ok"
    assert browser_log.problems == []
