"""How attendance's operation-log entries read in the audit viewer (apps/audit/wording.py)."""

from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.access.models import Organization
from apps.attendance.models import AdjustmentRequest, LeaveRequest, Punch
from apps.audit.wording import day_span, register_target_namer, register_wordings


def _ids(ids: list[str]) -> list[int]:
    return [int(value) for value in ids if value.isascii() and value.isdigit() and len(value) < 19]


def _leave_requests(ids: list[str], organization: Organization) -> dict[str, str]:
    rows = LeaveRequest.objects.filter(organization=organization, pk__in=_ids(ids)).select_related(
        "member__user", "leave_type"
    )
    return {
        str(row.pk): gettext("%(member)s's %(type)s, %(days)s")
        % {
            "member": row.member.name,
            "type": row.leave_type.display_name,
            "days": day_span(row.start_date, row.end_date),
        }
        for row in rows
    }


def _adjustments(ids: list[str], organization: Organization) -> dict[str, str]:
    rows = AdjustmentRequest.objects.filter(organization=organization, pk__in=_ids(ids)).select_related(
        "member__user"
    )
    return {
        str(row.pk): gettext("%(member)s's correction for %(day)s")
        % {"member": row.member.name, "day": date_format(row.work_date, "MONTH_DAY_FORMAT")}
        for row in rows
    }


def _punches(ids: list[str], organization: Organization) -> dict[str, str]:
    rows = Punch.objects.filter(organization=organization, pk__in=_ids(ids)).select_related("member__user")
    names = {}
    for row in rows:
        moment = row.occurred_at.astimezone(organization.tzinfo)
        wording = (
            gettext("%(member)s's clock-in at %(time)s")
            if row.kind == Punch.Kind.IN
            else gettext("%(member)s's clock-out at %(time)s")
        )
        when = f"{date_format(moment.date(), 'MONTH_DAY_FORMAT')} {moment:%H:%M}"
        names[str(row.pk)] = wording % {"member": row.member.name, "time": when}
    return names


def register() -> None:
    register_target_namer("attendance.leaverequest", _leave_requests)
    register_target_namer("attendance.adjustmentrequest", _adjustments)
    register_target_namer("attendance.punch", _punches)
    leave, correction, overtime = _("a leave request"), _("a correction"), _("an overtime request")
    register_wordings(
        "requests",
        {
            "attendance.leave.create": (_("%(actor)s asked for leave: %(target)s"), leave),
            "attendance.leave.approve": (_("%(actor)s approved %(target)s"), leave),
            "attendance.leave.reject": (_("%(actor)s rejected %(target)s"), leave),
            "attendance.leave.cancel": (_("%(actor)s cancelled %(target)s"), leave),
            "attendance.adjustment.create": (_("%(actor)s asked for %(target)s"), correction),
            "attendance.adjustment.approve": (_("%(actor)s approved %(target)s"), correction),
            "attendance.adjustment.reject": (_("%(actor)s rejected %(target)s"), correction),
            "attendance.adjustment.cancel": (_("%(actor)s cancelled %(target)s"), correction),
            "attendance.overtime.create": (_("%(actor)s asked for overtime: %(target)s"), overtime),
            "attendance.overtime.approve": (_("%(actor)s approved %(target)s"), overtime),
            "attendance.overtime.reject": (_("%(actor)s rejected %(target)s"), overtime),
            "attendance.overtime.cancel": (_("%(actor)s cancelled %(target)s"), overtime),
        },
    )
    register_wordings(
        "attendance",
        {
            "attendance.punch.create": (_("%(actor)s recorded %(target)s"), _("a punch")),
            "attendance.record.recompute": _("%(actor)s recomputed attendance days"),
            "attendance.leave.accrue": _("%(actor)s credited the leave allowances"),
            "attendance.leave.balance_adjust": _("%(actor)s adjusted a leave balance"),
            "attendance.calendar_feed.create": _("%(actor)s created a calendar subscription"),
            "attendance.calendar_feed.rotate": _("%(actor)s replaced a calendar subscription address"),
            "attendance.notification_preferences.update": _("%(actor)s changed their notification settings"),
            "attendance.data.purge": _("Attendance data past its retention was removed"),
        },
    )
    register_wordings(
        "settings",
        {
            "attendance.holiday.set": _("%(actor)s set a holiday or makeup workday"),
            "attendance.holiday.remove": _("%(actor)s removed a holiday or makeup workday"),
            "attendance.leave_type.create": _("%(actor)s added a leave type"),
            "attendance.leave_type.update": _("%(actor)s changed a leave type"),
            "attendance.organization_timezone.update": _("%(actor)s changed the organization's timezone"),
            "attendance.policy.update": _("%(actor)s changed the attendance rules"),
            "attendance.shift.create": _("%(actor)s added a shift"),
            "attendance.shift_assignment.create": _("%(actor)s assigned a shift"),
            "attendance.shift_assignment.end": _("%(actor)s ended a shift assignment"),
            "attendance.shift_assignment.remove": _("%(actor)s removed a shift assignment"),
            "attendance.site.create": _("%(actor)s added a site"),
            "attendance.site.deactivate": _("%(actor)s retired a site"),
        },
    )
