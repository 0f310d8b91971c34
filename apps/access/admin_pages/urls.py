"""Access's pages in the Admin Center (mounted by the shell in the `admin_center` namespace:
`admin_center:users`, `admin_center:settings`, ...)."""

from django.urls import path

from apps.access.admin_pages import people, security, users

urlpatterns = [
    path("users/", users.users, name="users"),
    path("users/batch/", users.batch, name="batch"),
    path("users/new/", people.user_new, name="user-new"),
    path("users/<int:user_id>/", users.user_detail, name="user"),
    path("users/<int:user_id>/edit/", people.user_edit, name="user-edit"),
    path("settings/", security.settings_home, name="settings"),
    path("settings/ip-allowlist/", security.settings_ip_allowlist, name="settings-ip-allowlist"),
    path("settings/retention/", security.settings_retention, name="settings-retention"),
]
