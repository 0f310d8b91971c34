"""Browser assets: pinned copies from the npm registry, and nothing loaded from another host."""

import json
import re
import shutil
from pathlib import Path

import pytest

from frontend import vendor

ROOT = Path(__file__).resolve().parents[2]
# A URL that makes the browser fetch from elsewhere: absolute or protocol-relative.
REMOTE = r"""["']?(?:https?:)?//"""
REMOTE_ASSET = re.compile(
    rf"""<script\b[^>]*\bsrc\s*=\s*{REMOTE}"""
    rf"""|<link\b[^>]*\bhref\s*=\s*{REMOTE}"""
    rf"""|@import\s+(?:url\(\s*)?{REMOTE}"""
    rf"""|url\(\s*{REMOTE}""",
    re.IGNORECASE,
)


def _asset_sources() -> list[Path]:
    folders = [ROOT / "frontend" / "templates", ROOT / "frontend" / "static", *ROOT.glob("apps/*/templates")]
    folders += ROOT.glob("apps/*/static")
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in {".html", ".css", ".js", ".txt", ".svg"}
    )


def test_every_vendored_file_matches_the_manifest_the_lock_and_package_json():
    assert vendor.problems() == []


def test_axe_core_for_the_browser_checks_is_pinned_and_kept_out_of_the_pages_static_files():
    axe = [entry for entry in vendor.load_manifest() if entry["package"] == "axe-core"]
    assert {entry["path"] for entry in axe} == {
        "../tests/browser/vendor/axe-core/axe.min.js",
        "../tests/browser/vendor/axe-core/LICENSE",
    }
    assert vendor.locked_packages()["axe-core"]["integrity"].startswith("sha512-")


def test_every_file_in_static_vendor_is_listed_in_the_manifest():
    listed = {entry["path"] for entry in vendor.load_manifest() if entry["path"].startswith("static/")}
    present = {
        str(path.relative_to(vendor.FRONTEND))
        for path in (vendor.FRONTEND / "static" / "vendor").rglob("*")
        if path.is_file()
    }
    assert present == listed


def test_htmx_is_pinned_to_the_exact_version_in_the_lock():
    package = json.loads(vendor.PACKAGE_JSON.read_text())
    assert package["dependencies"]["htmx.org"] == "2.0.11"
    assert vendor.locked_packages()["htmx.org"]["version"] == "2.0.11"
    assert vendor.locked_packages()["htmx.org"]["integrity"].startswith("sha512-")


@pytest.fixture
def frontend_copy(tmp_path, monkeypatch):
    """The manifest, lock and vendored files copied aside (the test-only ones too, which live beside
    frontend/ in tests/browser/vendor), so a test can spoil them."""
    frontend = tmp_path / "frontend"
    frontend.mkdir()
    for name in ("package.json", "package-lock.json", "vendor.json"):
        shutil.copy(vendor.FRONTEND / name, frontend / name)
    shutil.copytree(vendor.FRONTEND / "static" / "vendor", frontend / "static" / "vendor")
    tests_vendor = vendor.FRONTEND.parent / "tests" / "browser" / "vendor"
    shutil.copytree(tests_vendor, tmp_path / "tests" / "browser" / "vendor")
    monkeypatch.setattr(vendor, "FRONTEND", frontend)
    monkeypatch.setattr(vendor, "MANIFEST", frontend / "vendor.json")
    monkeypatch.setattr(vendor, "PACKAGE_JSON", frontend / "package.json")
    monkeypatch.setattr(vendor, "PACKAGE_LOCK", frontend / "package-lock.json")
    return frontend


def test_the_check_notices_an_edited_vendored_file(frontend_copy):
    htmx = frontend_copy / "static" / "vendor" / "htmx" / "htmx.min.js"
    htmx.write_bytes(htmx.read_bytes() + b"\n// patched by hand\n")

    assert vendor.problems() == [
        "static/vendor/htmx/htmx.min.js differs from htmx.org 2.0.11 as published (sha256 mismatch)"
    ]


def test_the_check_notices_a_version_range_and_a_stale_lock(frontend_copy):
    package = json.loads((frontend_copy / "package.json").read_text())
    package["dependencies"]["htmx.org"] = "^2.0.12"
    (frontend_copy / "package.json").write_text(json.dumps(package))

    found = vendor.problems()

    assert any("must be pinned to an exact version" in problem for problem in found)
    assert any("is not locked at ^2.0.12" in problem for problem in found)


@pytest.mark.parametrize(
    "text",
    [
        '<script src="https://cdn.example.com/htmx.js"></script>',
        "<script defer src='//unpkg.com/htmx.org'></script>",
        '<link rel="stylesheet" href="http://fonts.example.com/a.css">',
        '@import url("https://fonts.example.com/css");',
        "@import 'https://fonts.example.com/css';",
        ".hero { background: url(https://img.example.com/a.png); }",
    ],
)
def test_the_remote_asset_pattern_recognises_cdn_urls(text):
    assert REMOTE_ASSET.search(text)


@pytest.mark.parametrize(
    "text",
    [
        '<script src="/static/vendor/htmx/htmx.min.js"></script>',
        '<link rel="icon" href="{% static \'img/favicon.svg\' %}">',
        '<a href="https://example.com/help">help</a>',
        ".x { background: url(../img/a.png); }",
    ],
)
def test_the_remote_asset_pattern_leaves_local_assets_and_plain_links_alone(text):
    assert not REMOTE_ASSET.search(text)


def test_no_template_or_static_file_loads_an_asset_from_another_host():
    sources = _asset_sources()
    assert any(path.name == "base.html" for path in sources)  # the scan sees our files
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sources
        for match in REMOTE_ASSET.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
