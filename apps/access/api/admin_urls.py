"""/api/attendance-admin/ (with audit's apps/audit/api/urls.py): members, roles and security settings."""

from django.urls import path

from apps.access.api import members, org_settings

urlpatterns = [
    path("users", members.UsersView.as_view(), name="admin-users"),
    path("users/<int:user_id>", members.UserView.as_view(), name="admin-user-update"),
    path("users/<int:user_id>/access", members.UserAccessView.as_view(), name="admin-user-access"),
    path("users/<int:user_id>/roles/assign", members.UserRolesView.as_view(), name="admin-user-roles-assign"),
    path(
        "users/<int:user_id>/roles/unassign",
        members.UserRolesView.as_view(unassign=True),
        name="admin-user-roles-unassign",
    ),
    path(
        "users/<int:user_id>/deactivate", members.UserDeactivateView.as_view(), name="admin-user-deactivate"
    ),
    path(
        "users/<int:user_id>/reactivate", members.UserReactivateView.as_view(), name="admin-user-reactivate"
    ),
    path("users/<int:user_id>/invite", members.UserInviteView.as_view(), name="admin-user-invite"),
    path("roles", members.RolesView.as_view(), name="admin-roles"),
    path("roles/batch-assign", members.BatchRolesView.as_view(), name="admin-roles-batch-assign"),
    path(
        "roles/batch-unassign",
        members.BatchRolesView.as_view(unassign=True),
        name="admin-roles-batch-unassign",
    ),
    path("settings/ip-allowlist", org_settings.IpAllowlistView.as_view(), name="admin-ip-allowlist"),
    path("settings/retention", org_settings.RetentionView.as_view(), name="admin-retention"),
]
