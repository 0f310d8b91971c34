"""Attendance settings pages of the Admin Center (`/admin-center/settings/attendance/`)."""

from django.urls import path

from apps.attendance import admin_center_views as views

app_name = "admin_settings"

urlpatterns = [
    path("", views.holidays, name="home"),
    path("holidays/remove/", views.holiday_remove, name="holiday-remove"),
    path("leave-types/", views.leave_types, name="leave-types"),
    path("shifts-and-sites/", views.rules, name="rules"),
    path("sites/<int:site_id>/retire/", views.site_retire, name="site-retire"),
    path(
        "leave-types/<int:leave_type_id>/allowance/", views.leave_type_allowance, name="leave-type-allowance"
    ),
    path("timezone/", views.organization_timezone, name="timezone"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/<int:assignment_id>/end/", views.assignment_end, name="assignment-end"),
]
