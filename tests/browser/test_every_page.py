"""Every page, as each role, on a desktop (1366x900) and a phone (390x844), in English and Chinese.

The demo organization is seeded (`demo_seed`: people in four roles, shifts, a month of attendance,
requests); each role signs in and the test follows every link of the pages it can reach (navigation,
Admin Center tabs, the page body), one page per URL shape (`/admin-center/users/7/` stands for every
person's page), without following downloads, the API, the Django admin or sign-out. On each page, in each
language and size, it fails on:

- an element wider than the viewport that the page does not scroll on purpose (a table inside its own
  horizontally scrolling wrapper is fine; the page itself scrolling sideways is not), or a link of the
  navigation or of the Admin Center tabs off screen, or (on the desktop) a header that wraps onto a second
  line;
- a console error, an uncaught JavaScript error, a Content Security Policy violation or a missing static
  file (the `page` fixture's checks);
- an axe-core violation of impact "serious" or "critical", checked on the desktop in English and on the
  phone in Chinese (axe-core is vendored from the npm registry,
  pinned: tests/browser/vendor/axe-core, frontend/vendor.json).

Screenshots of every visit go to output/playwright/pages/<role>-<page>-<size>-<language>.png, and every axe
violation of any impact to output/playwright/pages/axe-<role>.json (only serious and critical ones fail).
"""

import json
import re
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from apps.access.management.commands.demo_seed import DEMO_PASSWORD
from tests.browser.helpers import SCREENSHOT_DIR, login

pytestmark = pytest.mark.browser


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"en": "en", "zh": "zh-hans"}
# Links a crawl must not follow: they sign out, switch state, download a file or leave the pages.
SKIPPED = re.compile(
    r"^/(api|django-admin|static|media|i18n|healthz|readyz|metrics)(/|$)|/accounts/logout/|\.(csv|ics|json|xlsx)$"
)
MAX_PAGES = 40
AXE_RUNS = {("desktop", "en"), ("phone", "zh")}

# Finds what sticks out of the viewport, leaving out what sits inside a container that scrolls sideways
# on purpose (overflow-x auto or scroll) and what is hidden.
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const scrollsOnPurpose = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) return true;
    }
    return false;
  };
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const testid = el.dataset && el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : "";
    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
    const text = (el.innerText || "").trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${testid}${cls} "${text}"`;
  };
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (rect.right > width + 1 || rect.left < -1) {
      if (!scrollsOnPurpose(el)) found.push(`${describe(el)} spans ${Math.round(rect.left)}..${Math.round(rect.right)} px`);
    }
  }
  // Every destination of the navigation and of the Admin Center tabs is on screen, not scrolled away.
  for (const link of document.querySelectorAll("header nav a, [data-testid=admin-tabs] a")) {
    const rect = link.getBoundingClientRect();
    if (rect.right > width + 1 || rect.left < -1) found.unshift(`the link ${describe(link)} is off screen`);
  }
  // On a desktop the header is one line: the brand, the navigation and the right-hand group side by side.
  const bar = document.querySelector(".topbar-inner");
  if (bar && width >= 1280) {
    const tops = [...bar.children].filter((c) => c.getBoundingClientRect().height > 0).map((c) => Math.round(c.getBoundingClientRect().top));
    if (Math.max(...tops) - Math.min(...tops) > 12) found.unshift("the header wraps onto a second line");
  }
  const page = document.documentElement.scrollWidth > width + 1 ? [`the page scrolls sideways (${document.documentElement.scrollWidth} px in ${width} px)`] : [];
  return page.concat(found.slice(0, 5));
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def demo(db):
    call_command("demo_seed", stdout=StringIO())


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "(links) => links.map((a) => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIPPED.search(parts.path):
            continue
        found.append(parts.path)
    return found


def _crawl(page, origin: str, start: str) -> list[str]:
    """The pages a signed-in role reaches from its landing page, one per URL shape, in visiting order."""
    seen_shapes: set[str] = set()
    queue, pages = [start], []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if _shape(path) in seen_shapes:
            continue
        seen_shapes.add(_shape(path))
        response = page.goto(origin + path)
        if response is None or response.status >= 400 or urlsplit(page.url).path != path:
            continue  # refused to this role, or a redirect (to a page the crawl will see on its own)
        pages.append(path)
        queue.extend(link for link in _links(page, origin) if _shape(link) not in seen_shapes)
    return pages


def _check(page, axe_source: str, *, axe: bool, found: list[dict]) -> list[str]:
    """The page's problems; every axe violation (whatever its impact) is also added to `found`."""
    problems = [f"overflow: {item}" for item in page.evaluate(OVERFLOW_SCRIPT)]
    if axe:
        # Evaluated through the DevTools protocol, which the page's CSP does not govern; the page's own
        # scripts still run under it.
        page.evaluate(axe_source + "\n;0")
        violations = page.evaluate(AXE_RUN)
        found += violations
        problems += [
            f"axe: {v['id']} ({v['impact']}): {v['help']} -- {' | '.join(v['targets'])}"
            for v in violations
            if v["impact"] in FAILING_IMPACTS
        ]
    return problems


def _slug(path: str) -> str:
    return _shape(path).strip("/").replace("/", "-").replace("{id}", "id") or "home"


@pytest.mark.parametrize("username", ["employee", "approver", "importer", "admin"])
def test_every_page_a_role_reaches_is_clean_in_both_sizes_and_languages(
    browser, browser_log, live_server, demo, username
):
    axe_source = AXE.read_text(encoding="utf-8")
    origin = live_server.url
    out = SCREENSHOT_DIR / "pages"
    out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    visited: list[str] = []
    axe_results: list[dict] = []
    for size_name, viewport in SIZES.items():
        for language_name, language in LANGUAGES.items():
            context = browser.new_context(
                locale="en-US" if language == "en" else "zh-CN",
                viewport=viewport,
                is_mobile=size_name == "phone",
                has_touch=size_name == "phone",
            )
            context.add_cookies([{"name": "django_language", "value": language, "url": origin}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on(
                "console",
                lambda message, errors=errors, page=page: (
                    errors.append(f"{page.url}: {message.text}") if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error, errors=errors: errors.append(f"uncaught: {error}"))
            login(page, live_server, username, DEMO_PASSWORD)
            start = urlsplit(page.url).path
            if not visited:
                visited = _crawl(page, origin, start)
                assert visited, f"{username} reaches no page"
            for path in visited:
                page.goto(origin + path)
                page.wait_for_load_state("networkidle")
                tag = f"{username} {path} {size_name} {language_name}"
                # axe once per language (its rules do not change with the width; the overflow check does).
                axe = (size_name, language_name) in AXE_RUNS
                found: list[dict] = []
                failures += [
                    f"{tag}: {problem}" for problem in _check(page, axe_source, axe=axe, found=found)
                ]
                axe_results += [
                    {"page": path, "size": size_name, "language": language_name, **v} for v in found
                ]
                page.screenshot(
                    path=str(out / f"{username}-{_slug(path)}-{size_name}-{language_name}.png"),
                    full_page=True,
                )
            failures += [f"{username} {size_name} {language_name}: console error {e}" for e in errors]
            context.close()
    # Every violation axe found, of any impact (only serious and critical fail the test), for the record.
    (out / f"axe-{username}.json").write_text(json.dumps(axe_results, indent=1), encoding="utf-8")
    assert not failures, f"{len(failures)} problem(s) on {len(visited)} page(s):\n  " + "\n  ".join(failures)
    assert not browser_log.problems
