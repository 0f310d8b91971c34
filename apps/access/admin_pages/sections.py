"""What access adds to the Admin Center shell besides the Overview (called from AccessConfig.ready()): the
User Access and Settings tabs and their pages."""

from django.utils.translation import gettext_lazy as _

from apps.access.admin_center import Section, register_section, register_urls


def register() -> None:
    register_urls("apps.access.admin_pages.urls")
    register_section(
        Section(
            key="users",
            title=_("User Access"),
            url_name="admin_center:users",
            order=20,
            text=_("Add people, edit their details and roles, see their month, provision many at once."),
            active=("admin_center:users", "admin_center:user*", "admin_center:batch"),
        )
    )
    register_section(
        Section(
            key="settings",
            title=_("Settings"),
            url_name="admin_center:settings",
            order=40,
            text=_("IP allowlist, retention, and the attendance rules of the organization."),
            active=("admin_center:settings*",),
        )
    )
