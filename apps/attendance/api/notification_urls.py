"""Mounted at /api/notifications (config/urls.py): the caller's own, whatever their role."""

from django.urls import path

from apps.attendance.api.views import notifications as views

urlpatterns = [
    path("notifications", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/read", views.MarkReadView.as_view(), name="notifications-read"),
    path("notifications/preferences", views.PreferencesView.as_view(), name="notifications-preferences"),
]
