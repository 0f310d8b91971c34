"""Pages of the attendance app (the API is in apps/attendance/api/urls.py)."""

from django.urls import path, re_path

from apps.attendance.views import approvals, employee, feeds, notifications, team

app_name = "attendance"

urlpatterns = [
    path("", employee.home, name="home"),
    path("start/", employee.landing, name="landing"),
    path("punch/", employee.punch, name="punch"),
    path("adjustments/", employee.adjustment_create, name="adjustment-create"),
    path("leave/", employee.leave_create, name="leave-create"),
    path("overtime/", employee.overtime_create, name="overtime-create"),
    path("calendar-feed/", feeds.calendar_feed, name="calendar-feed"),
    re_path(
        r"^requests/(?P<kind>adjustment|leave|overtime)/(?P<pk>[0-9]{1,18})/cancel/$",
        employee.request_cancel,
        name="request-cancel",
    ),
    path("notifications/", notifications.notifications_page, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    path("team/", team.team_today, name="team"),
    path("team/month/", team.team_month, name="team-month"),
    path("approvals/", approvals.inbox, name="approvals"),
    path("approvals/bulk-approve/", approvals.bulk_approve, name="bulk-approve"),
    re_path(
        r"^approvals/(?P<kind>adjustment|leave|overtime)/(?P<pk>[0-9]{1,18})/(?P<verb>approve|reject)/$",
        approvals.decide,
        name="decide",
    ),
]
