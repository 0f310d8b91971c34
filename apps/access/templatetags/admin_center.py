"""The Admin Center shell's tags: `{% admin_center_tabs %}` (the tab bar of every page) and
`{% admin_center_links "settings" %}` (the sub-pages other apps registered under a section)."""

from django import template

from apps.access.admin_center import registry

register = template.Library()


def _where(context) -> tuple[str, str]:
    match = getattr(context.get("request"), "resolver_match", None)
    return (match.namespace, match.url_name) if match else ("", "")


@register.inclusion_tag("admin_center/_tabs.html", takes_context=True)
def admin_center_tabs(context) -> dict:
    namespace, url_name = _where(context)
    tabs = [
        {"key": section.key, "title": section.title, "url": url,
         "current": registry.section_lights(section, namespace, url_name)}
        for section in registry.sections()
        if (url := section.url())
    ]  # fmt: skip
    return {"tabs": tabs}


@register.inclusion_tag("admin_center/_links.html")
def admin_center_links(parent: str) -> dict:
    links = [
        {"key": section.key, "title": section.title, "url": url}
        for section in registry.sections(parent=parent)
        if (url := section.url())
    ]
    return {"links": links}


@register.filter
def role_label(name: str) -> str:
    """A role's name for people ("Approver"), never its code."""
    from apps.access.admin_pages.people import ROLE_LABELS

    return str(ROLE_LABELS.get(name, name))
