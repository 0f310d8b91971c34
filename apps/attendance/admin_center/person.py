"""Attendance's part of a person's page in the Admin Center's User Access (`/admin-center/users/<id>/`):
their month (days and statuses, judged as on their own page), leave balances and recent requests.
Registered with access's `register_member_panel` from AttendanceConfig.ready(), so access shows it
without importing attendance. Read-only: the admin acts on requests in the approvals inbox."""

from apps.access.admin_center import MemberPanel, register_member_panel
from apps.attendance import services
from apps.attendance.views import employee
from apps.attendance.views import month as months


def person_context(*, member, request) -> dict:
    first = months.parse_month(request.GET.get("month", ""), services.local_today(member))
    context = employee._month_context(member, first)
    context.update(employee._balances_context(member))
    context.update(employee._requests_context(member))
    return context


def register() -> None:
    register_member_panel(
        MemberPanel(
            key="attendance",
            template="admin_center/_person_attendance.html",
            context=person_context,
            order=10,
            stylesheets=("attendance/attendance.css",),
        )
    )
