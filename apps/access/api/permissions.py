"""DRF permission classes built on the active membership's roles."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from apps.access import roles
from apps.access.selectors import active_membership
from apps.core.errors import Forbidden


class HasMembership(BasePermission):
    """The caller belongs to an organization (the active one)."""

    message = gettext_lazy("You are not a member of any organization.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and membership_or_refuse(request))


def membership_or_refuse(request):
    """The active membership; a signed-in caller with none (no membership at all, or an X-Organization
    naming an organization they do not belong to) is refused with 403 NO_MEMBERSHIP, as docs/errors.md says."""
    membership = active_membership(request)
    if membership is None and request.user and request.user.is_authenticated:
        raise Forbidden("NO_MEMBERSHIP", _("You are not a member of any organization."))
    return membership


def role_permission(codename: str) -> type[BasePermission]:
    class _RolePermission(BasePermission):
        def has_permission(self, request, view) -> bool:
            membership = membership_or_refuse(request)
            return bool(membership and membership.can(codename))

    _RolePermission.__name__ = f"Can_{codename}"
    return _RolePermission


CanRead = role_permission(roles.READ)
CanWrite = role_permission(roles.WRITE)
CanApprove = role_permission(roles.APPROVE)
CanImport = role_permission(roles.IMPORT)
IsOrgAdmin = role_permission(roles.ADMINISTER)


def require_membership(request):
    membership = active_membership(request)
    if membership is None:
        raise Forbidden("NO_MEMBERSHIP", _("You are not a member of any organization."))
    return membership
