"""Attendance settings pages of the Admin Center (`/admin-center/settings/attendance/`)."""

from django.urls import path

from apps.attendance.admin_center import assignments, calendar, leave_types, org_timezone, rules

app_name = "admin_settings"

urlpatterns = [
    path("", calendar.holidays, name="home"),
    path("holidays/remove/", calendar.holiday_remove, name="holiday-remove"),
    path("leave-types/", leave_types.leave_types, name="leave-types"),
    path("leave-types/adjust/", leave_types.balance_adjust, name="leave-balance-adjust"),
    path("shifts-and-sites/", rules.rules, name="rules"),
    path("sites/<int:site_id>/retire/", rules.site_retire, name="site-retire"),
    path(
        "leave-types/<int:leave_type_id>/allowance/",
        leave_types.leave_type_allowance,
        name="leave-type-allowance",
    ),
    path("timezone/", org_timezone.organization_timezone, name="timezone"),
    path("assignments/", assignments.assignments, name="assignments"),
    path("assignments/<int:assignment_id>/end/", assignments.assignment_end, name="assignment-end"),
]
