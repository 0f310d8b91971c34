"""DRF permission classes built on the active membership's roles, and the administration API's base view.
Public: every app's API uses them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.views import APIView

from apps.access import roles
from apps.access.hooks import record_operation
from apps.access.selectors import active_membership, member_for_user_id
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


class IsOrgAdminRecorded(BasePermission):
    """The administration API's permission (`/api/attendance-admin/`): active admins of the active
    organization. A refused write by a signed-in user is recorded in the operation log as denied, under the
    view's `audit_action`."""

    message = gettext_lazy("Only administrators of this organization may do this.")

    def has_permission(self, request, view) -> bool:
        membership = membership_or_refuse(request)
        if membership is not None and membership.can(roles.ADMINISTER):
            return True
        if request.user and request.user.is_authenticated and request.method not in SAFE_METHODS:
            record_operation(
                action=getattr(view, "audit_action", "audit.admin_api.write"),
                actor=membership or request.user,
                result="denied",
                details={"reason": "not an administrator", "method": request.method, "path": request.path},
            )
        return False


# The base of every administration API view, whichever app owns its noun (members and settings in access,
# the operation log and webhooks in audit): admins only, and the caller's membership and organization. (A
# comment, not a docstring: drf-spectacular would give the docstring to every view without one of its own.)
class AdminView(APIView):
    permission_classes = [IsOrgAdminRecorded]

    @property
    def admin(self):
        return active_membership(self.request)

    @property
    def organization(self):
        return self.admin.organization

    def member(self, user_id):
        return member_for_user_id(organization=self.organization, user_id=user_id)
