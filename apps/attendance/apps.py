from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "apps.attendance"
    label = "attendance"
    verbose_name = "Attendance"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.utils.translation import gettext_lazy as _

        from apps.access.admin_center import Section, register_section, register_urls
        from apps.access.hooks import register_demo_seeder
        from apps.attendance import audit_wording, calendar, models, personal_data, retention, tasks  # noqa: F401 - register their handlers and task names
        from apps.attendance.demo import seed_demo_attendance

        register_demo_seeder(seed_demo_attendance)
        from apps.attendance.admin_center import person

        person.register()  # the person's month, balances and requests in User Access
        audit_wording.register()
        register_urls("apps.attendance.admin_center.urls", prefix="settings/attendance/")
        register_urls("apps.attendance.admin_center.report_urls", prefix="reports/")
        register_section(
            Section(
                key="reports",
                title=_("Reports"),
                url_name="admin_reports:leave",
                order=60,
                text=_(
                    "Leave taken, pending and remaining; hours worked, lateness and absences by department."
                ),
                active=("admin_reports:*",),
            )
        )
        register_section(
            Section(
                key="attendance-settings",
                parent="settings",
                title=_("Attendance settings"),
                url_name="admin_settings:home",
                active=("admin_settings:*",),
            )
        )
        # Configuration edited in the Django admin keeps field-level diffs.
        for model in (
            models.Shift,
            models.AttendancePolicy,
            models.ShiftAssignment,
            models.Holiday,
            models.Site,
            models.LeaveType,
        ):
            auditlog.register(model)
