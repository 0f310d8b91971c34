"""Attendance settings pages of the Admin Center (`/admin-center/settings/attendance/`)."""

from django.urls import path

from apps.attendance import admin_center_views as views

app_name = "admin_settings"

urlpatterns = [
    path("", views.holidays, name="home"),
    path("holidays/remove/", views.holiday_remove, name="holiday-remove"),
    path("leave-types/", views.leave_types, name="leave-types"),
    path("shifts-and-sites/", views.rules, name="rules"),
]
