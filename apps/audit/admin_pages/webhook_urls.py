"""The Admin Center's webhook pages, mounted at /admin-center/webhooks/ (namespace `admin_webhooks`)."""

from django.urls import path

from apps.audit.admin_pages import webhooks

app_name = "admin_webhooks"
urlpatterns = [
    path("", webhooks.endpoints, name="home"),
    path("<int:endpoint_id>/", webhooks.endpoint_detail, name="endpoint"),
    path("<int:endpoint_id>/replay-dead/", webhooks.replay_dead, name="replay-dead"),
    path("<int:endpoint_id>/delete/", webhooks.endpoint_delete, name="delete"),
    path("deliveries/<int:delivery_id>/replay/", webhooks.replay_one, name="replay"),
]
