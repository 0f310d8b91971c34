"""The Admin Center shell: the registry apps fill from `ready()` and the guard their pages use.

    from apps.access.admin_center import Section, admin_page, register_section, register_urls

See registry.py and docs/admin-center.md.
"""

from apps.access.admin_center.guard import admin_page
from apps.access.admin_center.messages import refusal, refusal_text
from apps.access.admin_center.registry import (
    Figure,
    MemberPanel,
    Panel,
    Section,
    register_figure,
    register_member_panel,
    register_panel,
    register_section,
    register_urls,
)

__all__ = [
    "Figure",
    "MemberPanel",
    "Panel",
    "Section",
    "admin_page",
    "refusal",
    "refusal_text",
    "register_figure",
    "register_member_panel",
    "register_panel",
    "register_section",
    "register_urls",
]
