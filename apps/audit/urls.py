"""Audit's pages in the Admin Center (mounted by the shell, apps.access.admin_center, in the `admin_center`
namespace: `admin_center:audit`, ...)."""

from django.urls import path

from apps.audit import views

urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("audit/chain/", views.chain_status, name="chain"),
    path("audit/<int:entry_id>/", views.audit_entry, name="audit-entry"),
]
