"""/api/attendance-admin/ (with access's apps/access/api/admin_urls.py): the operation log and webhooks."""

from django.urls import path

from apps.audit.api import logs, webhooks

urlpatterns = [
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
