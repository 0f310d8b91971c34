"""The Reports pages of the Admin Center (`/admin-center/reports/`)."""

from django.urls import path

from apps.attendance.admin_center import reports

app_name = "admin_reports"

urlpatterns = [
    path("", reports.leave_summary, name="leave"),
    path("attendance/", reports.attendance_summary, name="attendance"),
]
