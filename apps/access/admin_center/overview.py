"""What access itself puts in the Admin Center: the Overview tab and the member figures."""

from django.utils.translation import gettext_lazy as _

from apps.access import roles
from apps.access.admin_center.registry import Figure, Section, register_figure, register_section
from apps.access.models import Membership


def _active_members(organization):
    return Membership.objects.for_org(organization).filter(is_active=True)


def register() -> None:
    register_section(Section(key="home", title=_("Overview"), url_name="admin_center:home", order=0))
    register_figure(
        Figure(
            key="members", label=_("active members"), order=10, count=lambda org: _active_members(org).count()
        )
    )
    register_figure(
        Figure(
            key="admins",
            label=_("administrators"),
            order=20,
            count=lambda org: _active_members(org).filter(roles__name=roles.ADMIN).distinct().count(),
        )
    )
