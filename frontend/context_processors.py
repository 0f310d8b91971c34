"""Navigation by role: each page template gets the links its viewer may use."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.access import roles

# (label, url name, permission needed or None for any member)
NAV_ITEMS = [
    (_("My attendance"), "attendance:home", roles.READ),
    (_("Approvals"), "attendance:approvals", roles.APPROVE),
    (_("Import Center"), "imports:center", roles.IMPORT),
    (_("Admin Center"), "admin_center:home", roles.ADMINISTER),
]


def navigation(request) -> dict:
    membership = getattr(request, "membership", None)
    items = []
    if membership:
        for label, url_name, codename in NAV_ITEMS:
            if codename and not membership.can(codename):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue  # that part of the product is not installed
            items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items, "active_membership": membership or None}
