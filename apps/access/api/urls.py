from django.urls import path

from apps.access.api import views

urlpatterns = [
    path("me", views.MeView.as_view(), name="api-me"),
]
