"""The status palette (frontend/static/css/app.css): each attendance and request status has its own colour,
far enough from the others for people with red-green (protan, deutan) or blue-yellow (tritan) colour
blindness too, text that meets WCAG AA on its tint and on white, and a sign besides its words, so that no
status is told by colour alone. The pages put the words and the class on each badge and legend entry."""

import itertools
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from apps.attendance.labels import RECORD_STATUS_SHOWN, REQUEST_STATUS

pytestmark = pytest.mark.django_db

CSS = Path(finders.find("css/app.css")).read_text(encoding="utf-8")
PALETTE = {
    name: (colour, soft)
    for name, colour, soft in re.findall(
        r"--st-([a-z]+):\s*(#[0-9a-f]{6});\s*--st-\1-soft:\s*(#[0-9a-f]{6})", CSS
    )
}
# The badge class of each status, and the palette entry it takes.
DAY_STATUSES = {
    code: re.search(rf"\.status-{code}\b[^{{]*\{{ --c: var\(--st-([a-z]+)\)", CSS)
    for code in RECORD_STATUS_SHOWN
}
# Told apart on the same calendar or board (in progress and upcoming are one "not over yet" look).
APART = ["normal", "late", "early", "both", "partial", "absent", "work", "leave", "pending"]

# Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB.
SIMULATIONS = {
    "normal vision": None,
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}


def _linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _luminance(linear: list[float]) -> float:
    r, g, b = (min(max(c, 0.0), 1.0) for c in linear)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(_linear(a)), _luminance(_linear(b))], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _lab(linear: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(max(c, 0.0), 1.0) for c in linear)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(hex_colour: str, matrix) -> list[float]:
    linear = _linear(hex_colour)
    return (
        linear if matrix is None else [sum(m * c for m, c in zip(row, linear, strict=True)) for row in matrix]
    )


def _difference(a: str, b: str, matrix) -> float:
    """CIE76 colour difference as a person with that vision sees the two."""
    return (
        sum((p - q) ** 2 for p, q in zip(_lab(_seen(a, matrix)), _lab(_seen(b, matrix)), strict=True)) ** 0.5
    )


def test_every_status_a_page_shows_has_a_colour_of_the_palette():
    assert set(APART) <= set(PALETTE)
    for code, match in DAY_STATUSES.items():
        assert match is not None and match.group(1) in PALETTE, code
    for code in REQUEST_STATUS:
        assert re.search(rf"\.request-{code} \{{ --c: var\(--st-[a-z]+\)", CSS), code


@pytest.mark.parametrize("vision", list(SIMULATIONS))
def test_the_statuses_that_meet_on_one_page_stay_apart_for_colour_blind_people(vision):
    close = [
        (a, b, round(_difference(PALETTE[a][0], PALETTE[b][0], SIMULATIONS[vision]), 1))
        for a, b in itertools.combinations(APART, 2)
        if _difference(PALETTE[a][0], PALETTE[b][0], SIMULATIONS[vision]) < 10
    ]
    assert close == []


def test_each_status_text_meets_aa_contrast_on_its_tint_and_on_white():
    low = [
        (name, background, round(_contrast(colour, background), 2))
        for name, (colour, soft) in PALETTE.items()
        for background in (soft, "#ffffff")
        if _contrast(colour, background) < 4.5
    ]
    assert low == []
    # At work is a filled badge: white on its colour.
    assert _contrast(PALETTE["work"][0], "#ffffff") >= 4.5


def _sign(css_class: str) -> str | None:
    for selectors, content in re.findall(r"([^{}\n]+)::before[^{]*\{ content: \"([^\"]+)\"", CSS):
        if (
            re.search(rf":is\(\.badge, \.dot\)\.{css_class}\b", selectors)
            or f".{css_class}::before" in selectors
        ):
            return content
    return None


def test_no_status_is_told_by_colour_alone_each_has_its_own_sign():
    day_signs = {code: _sign(f"status-{code}") for code in [*RECORD_STATUS_SHOWN, "at_work"]}
    assert all(day_signs.values()), day_signs
    # Different statuses, different signs (in progress and upcoming are both "not over yet").
    distinct = {sign for code, sign in day_signs.items() if code != "upcoming"}
    assert len(distinct) == len(day_signs) - 1
    request_signs = {code: _sign(f"request-{code}") for code in REQUEST_STATUS}
    assert all(request_signs.values()) and len(set(request_signs.values())) == len(REQUEST_STATUS)


@pytest.mark.parametrize(("language", "late"), [("en", "Late"), ("zh-hans", "迟到")])
def test_the_month_legend_gives_each_status_its_words_next_to_its_sign(client, make_member, language, late):
    member = make_member("emma")
    client.force_login(member.user)
    client.cookies["django_language"] = language
    page = client.get("/attendance/").content.decode()
    legend = page.split('class="legend"')[1].split("</ul>")[0]
    for code in RECORD_STATUS_SHOWN:
        assert f'<span class="dot status-{code}" aria-hidden="true"></span>' in legend, code
    assert f"</span>{late}</li>" in legend
