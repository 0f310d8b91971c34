"""What the base layout needs on every page: the links the viewer's role allows, and their organizations."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.access import roles
from apps.access.selectors import memberships_for_user
from apps.attendance.notifications.selectors import unread_count
from apps.attendance.selectors import pending_team_count

# (label, url name, permission needed)
NAV_ITEMS = [
    (_("My attendance"), "attendance:home", roles.READ),
    (_("Approvals"), "attendance:approvals", roles.APPROVE),
    (_("Team"), "attendance:team", roles.APPROVE),
    (_("Import Center"), "imports:center", roles.IMPORT),
    (_("Admin Center"), "admin_center:home", roles.ADMINISTER),
]


def _nav_items(request, membership) -> list[dict]:
    items = []
    for label, url_name, codename in NAV_ITEMS:
        if not membership.can(codename):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # that part of the product is not installed (yet)
        item = {"label": label, "url": url, "active": False, "badge": None, "counted": False}
        if url_name == "attendance:approvals":
            # A callable, like the unread count: one cheap query, only when the header is drawn.
            item["badge"] = lambda: pending_team_count(approver=membership)
            item["counted"] = True  # the inbox swaps the link in place (#nav-approvals) as it decides
        items.append(item)
    # The deepest matching link is the current one: /attendance/approvals/ is Approvals, not My attendance.
    current = max(
        (item for item in items if request.path.startswith(item["url"])),
        key=lambda i: len(i["url"]),
        default=None,
    )
    if current:
        current["active"] = True
    return items


def _url_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None  # that part of the product is not installed


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None) if user is not None and user.is_authenticated else None
    if not membership:
        return {
            "nav_items": [],
            "active_membership": None,
            "organization_choices": [],
            "unread_notifications": 0,
        }
    # Names of the organizations the user belongs to, for the switcher; one query, no role prefetch.
    organizations = (
        memberships_for_user(user=user)
        .prefetch_related(None)
        .values_list("organization__slug", "organization__name")
    )
    active_slug = membership.organization.slug
    return {
        # A callable: templates call it, so a fragment that does not show the header costs no query.
        "unread_notifications": lambda: unread_count(member=membership),
        "notifications_url": _url_or_none("attendance:notifications"),
        "nav_items": _nav_items(request, membership),
        "active_membership": membership,
        "organization_choices": [
            {"slug": slug, "name": name, "active": slug == active_slug} for slug, name in organizations
        ],
    }
