"""Who may use the administration API: active admins of the active organization. Refused writes by a
signed-in user are recorded in the operation log as denied."""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.access import roles
from apps.access.api.permissions import membership_or_refuse
from apps.audit.models import OperationLog
from apps.audit.services import audit_record


class IsOrgAdmin(BasePermission):
    message = gettext_lazy("Only administrators of this organization may do this.")

    def has_permission(self, request, view) -> bool:
        membership = membership_or_refuse(request)
        if membership is not None and membership.can(roles.ADMINISTER):
            return True
        if request.user and request.user.is_authenticated and request.method not in SAFE_METHODS:
            audit_record(
                action=getattr(view, "audit_action", "audit.admin_api.write"),
                actor=membership or request.user,
                result=OperationLog.Result.DENIED,
                details={"reason": "not an administrator", "method": request.method, "path": request.path},
            )
        return False
