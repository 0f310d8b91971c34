"""Audit's pages in the Admin Center (mounted by the shell, apps.access.admin_center, in the `admin_center`
namespace: `admin_center:audit`, ...)."""

from django.urls import path

from apps.audit import views

urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/batch/", views.batch, name="batch"),
    path("users/<int:user_id>/", views.user_detail, name="user"),
    path("audit/", views.audit, name="audit"),
    path("audit/chain/", views.chain_status, name="chain"),
    path("audit/<int:entry_id>/", views.audit_entry, name="audit-entry"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/ip-allowlist/", views.settings_ip_allowlist, name="settings-ip-allowlist"),
    path("settings/retention/", views.settings_retention, name="settings-retention"),
]
