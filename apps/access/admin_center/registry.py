"""The Admin Center's registry: what the shell shows comes from the apps that fill it in `AppConfig.ready()`.

The shell (`/admin-center/`: the tab bar, the overview, the guard) lives in access, the lowest app that adds a
section, so every app can import it and none imports upward. An app adds:

- a tab (and an overview card) with `register_section(Section(...))`; a section with a `parent` is not a tab
  but a link on its parent's page, and it lights the parent's tab;
- its pages with `register_urls(urlconf, prefix=...)`, mounted under `/admin-center/<prefix>`; a urlconf
  module with an `app_name` keeps its own namespace, one without joins `admin_center`;
- a figure on the overview with `register_figure(Figure(...))` (a number), or a panel with its own template
  and context with `register_panel(Panel(...))`;
- a part of a person's page in User Access with `register_member_panel(MemberPanel(...))` (attendance adds
  the person's month, leave balances and requests there, so access shows them without importing it).

docs/admin-center.md has an example.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from importlib import import_module
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    key: str  # unique; the overview card is `data-testid="section-<key>"`
    title: Any  # a gettext_lazy string: the tab's label
    url_name: str  # "namespace:name" of the section's first page
    order: int = 50  # tabs and cards sorted by it; the Overview is 0
    text: Any = ""  # the overview card's text; no text, no card
    parent: str = ""  # the key of the section this one belongs to (a link on that page, not a tab)
    active: tuple[str, ...] = ()  # "namespace:name" patterns (fnmatch) of the pages that light this tab

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None  # that page is not mounted (an app left out of the URLs, a test urlconf)

    def lights(self, namespace: str, url_name: str) -> bool:
        here = f"{namespace}:{url_name}"
        return any(fnmatchcase(here, pattern) for pattern in (self.active or (self.url_name,)))


@dataclass(frozen=True)
class Figure:
    key: str  # the key in the overview's `figures`
    label: Any  # gettext_lazy
    count: Callable[[Any], int]  # count(organization)
    order: int = 50
    test_id: str = ""  # the number's data-testid is "figure-<test_id or key>"


@dataclass(frozen=True)
class Panel:
    """Something on the overview that is not a plain number (the chain status): `context(organization)` is
    merged into the page's context and `template` is included among the figures."""

    key: str
    template: str
    context: Callable[[Any], dict]
    order: int = 50


@dataclass(frozen=True)
class MemberPanel:
    """A part of a person's page (`/admin-center/users/<id>/`) filled by another app:
    `context(member=..., request=...)` gives the context `template` is rendered with; `stylesheets` are
    static paths the page links in its head."""

    key: str
    template: str
    context: Callable[..., dict]
    order: int = 50
    stylesheets: tuple[str, ...] = ()


@dataclass
class _Registry:
    sections: dict[str, Section] = field(default_factory=dict)
    urls: list[tuple[str, Any]] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    panels: dict[str, Panel] = field(default_factory=dict)
    member_panels: dict[str, MemberPanel] = field(default_factory=dict)


_registry = _Registry()


def register_section(section: Section) -> None:
    """Add (or replace, by key) a tab or a sub-page link."""
    _registry.sections[section.key] = section


def register_urls(urlconf: Any, *, prefix: str = "") -> None:
    """Mount `urlconf` (a module path or a list of patterns) at `/admin-center/<prefix>`. Call it once per
    urlconf from `ready()`; the shell's URLs are read when the project's URLs are first loaded."""
    entry = (prefix, urlconf)
    if entry not in _registry.urls:
        _registry.urls.append(entry)


def register_figure(figure: Figure) -> None:
    _registry.figures[figure.key] = figure


def register_panel(panel: Panel) -> None:
    _registry.panels[panel.key] = panel


def register_member_panel(panel: MemberPanel) -> None:
    _registry.member_panels[panel.key] = panel


def member_panels() -> list[MemberPanel]:
    return sorted(_registry.member_panels.values(), key=lambda panel: (panel.order, panel.key))


def sections(*, parent: str = "") -> list[Section]:
    """The tabs (parent ""), or the sub-pages of one section, in order."""
    found = [section for section in _registry.sections.values() if section.parent == parent]
    return sorted(found, key=lambda section: (section.order, section.key))


def section_lights(section: Section, namespace: str, url_name: str) -> bool:
    """A tab is lit on its own pages and on its sub-pages'."""
    return section.lights(namespace, url_name) or any(
        child.lights(namespace, url_name) for child in sections(parent=section.key)
    )


def figures() -> list[Figure]:
    return sorted(_registry.figures.values(), key=lambda figure: (figure.order, figure.key))


def panels() -> list[Panel]:
    return sorted(_registry.panels.values(), key=lambda panel: (panel.order, panel.key))


def url_entries(*, namespaced: bool) -> list[tuple[str, Any]]:
    """(prefix, urlconf) of the urlconfs with (namespaced) or without an `app_name`; without one, the
    urlconf is given as its list of patterns, to join the `admin_center` namespace."""
    entries = []
    for prefix, urlconf in _registry.urls:
        module = import_module(urlconf) if isinstance(urlconf, str) else None
        if bool(module is not None and getattr(module, "app_name", None)) == namespaced:
            entries.append((prefix, urlconf if namespaced else getattr(module, "urlpatterns", urlconf)))
    return entries
