"""Pages of the imports app (the API is in apps/imports/api/urls.py)."""

from django.urls import path

from apps.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.center, name="center"),
    path("members/", views.member_options, name="member-options"),
]
