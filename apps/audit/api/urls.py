"""/api/attendance-admin/: member and role provisioning, security settings, the operation log."""

from django.urls import path

from apps.audit.api import logs, members, org_settings, webhooks

urlpatterns = [
    path("users", members.UsersView.as_view(), name="admin-users"),
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
    path("audit-logs", logs.AuditLogListView.as_view(), name="admin-audit-logs"),
    path("audit-logs/export.csv", logs.AuditLogExportView.as_view(), name="admin-audit-logs-export"),
    path("webhooks", webhooks.WebhooksView.as_view(), name="admin-webhooks"),
    path("webhooks/event-types", webhooks.WebhookEventTypesView.as_view(), name="admin-webhook-event-types"),
    path("webhooks/<int:webhook_id>", webhooks.WebhookView.as_view(), name="admin-webhook"),
    path(
        "webhooks/<int:webhook_id>/deliveries",
        webhooks.WebhookDeliveriesView.as_view(),
        name="admin-webhook-deliveries",
    ),
    path(
        "webhooks/<int:webhook_id>/deliveries/replay-dead",
        webhooks.WebhookReplayDeadView.as_view(),
        name="admin-webhook-replay-dead",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/replay",
        webhooks.DeliveryReplayView.as_view(),
        name="admin-webhook-delivery-replay",
    ),
    path("audit-logs/summary", logs.AuditLogSummaryView.as_view(), name="admin-audit-logs-summary"),
]
