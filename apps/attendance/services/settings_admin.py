"""Admin Center writes that the setup services do not cover: removing a calendar date, retiring a site, a
leave type's allowance, ending a member's shift assignment. (The organization's timezone is access's:
apps.access.services.organization_timezone_update.)"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.attendance.models import Holiday, LeaveType, ShiftAssignment, Site
from apps.attendance.services.leave_balances import leave_type_credit_this_year
from apps.audit.services import audit_record
from apps.core.errors import NotFound, ValidationFailed


def holiday_remove(*, organization: Organization, day: date, actor: Membership | None = None) -> bool:
    """Make `day` an ordinary day of the calendar again. Removing a date that is not in the calendar
    changes nothing and records nothing (a retried request is harmless). Returns whether one was removed."""
    with transaction.atomic():
        holiday = Holiday.objects.for_org(organization).select_for_update().filter(date=day).first()
        if holiday is None:
            return False
        holiday_id, details = holiday.pk, {"date": day, "name": holiday.name, "kind": holiday.kind}
        holiday.delete()
        audit_record(
            action="attendance.holiday.remove",
            actor=actor,
            organization=organization,
            target_type="attendance.holiday",
            target_id=holiday_id,
            details=details,
        )
    return True


def site_deactivate(*, organization: Organization, site_id: int, actor: Membership | None = None) -> Site:
    """Stop counting punches at a site (kept for the records that name it). A second call records nothing."""
    with transaction.atomic():
        site = Site.objects.for_org(organization).select_for_update().filter(pk=site_id).first()
        if site is None:
            raise NotFound("SITE_NOT_FOUND", _("No site of this organization has that id."))
        if site.is_active:
            site.is_active = False
            site.save(update_fields=["is_active"])
            audit_record(
                action="attendance.site.deactivate", actor=actor, organization=organization, target=site
            )
    return site


@dataclass(frozen=True)
class LeaveTypeUpdate:
    """What `leave_type_allowance_update` changed: the page says "balances moved" only when they did."""

    leave_type: LeaveType
    allowance_changed: bool = False
    name_changed: bool = False
    credited: int = 0  # ledger entries written for this year's credit


def leave_type_allowance_update(
    *,
    organization: Organization,
    leave_type_id: int,
    yearly_allowance: Decimal,
    name_zh: str | None = None,
    actor: Membership | None = None,
) -> LeaveTypeUpdate:
    """Change a leave type's yearly allowance and, when `name_zh` is given, its Chinese name (one audit entry
    for both). This year's credit of every member moves by the allowance's difference at once (one ledger
    entry each); past years keep what they were given. Returns what changed."""
    if not Decimal(0) <= yearly_allowance <= Decimal(9999):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("The yearly allowance must be between 0 and 9999."),
            {"fields": {"yearlyAllowance": [_("Out of range.")]}},
        )
    with transaction.atomic():
        leave_type = (
            LeaveType.objects.for_org(organization).select_for_update().filter(pk=leave_type_id).first()
        )
        if leave_type is None:
            raise NotFound("LEAVE_TYPE_NOT_FOUND", _("No leave type of this organization has that id."))
        before = leave_type.yearly_allowance
        changes: dict = {}
        if before != yearly_allowance:
            leave_type.yearly_allowance = yearly_allowance
            changes["yearlyAllowance"] = {"before": before, "after": yearly_allowance}
        if name_zh is not None and name_zh.strip() != leave_type.name_zh:
            changes["nameZh"] = {"before": leave_type.name_zh, "after": name_zh.strip()}
            leave_type.name_zh = name_zh.strip()
        if changes:
            fields = ["yearly_allowance"] if "yearlyAllowance" in changes else []
            leave_type.save(update_fields=fields + (["name_zh"] if "nameZh" in changes else []))
            audit_record(
                action="attendance.leave_type.update",
                actor=actor,
                organization=organization,
                target=leave_type,
                details=changes,
            )
        credited = 0
        if "yearlyAllowance" in changes:
            credited = leave_type_credit_this_year(leave_type=leave_type, actor=actor)
    return LeaveTypeUpdate(
        leave_type=leave_type,
        allowance_changed="yearlyAllowance" in changes,
        name_changed="nameZh" in changes,
        credited=credited,
    )


def shift_assignment_end(
    *, organization: Organization, assignment_id: int, last_day: date, actor: Membership | None = None
) -> str:
    """Make a member's shift assignment stop after `last_day`. One that starts after that day never
    applies and is removed. Returns "ended", "removed" or "unchanged" (it already ends by then: a retried
    request records nothing). Records already kept keep their values until recomputed."""
    with transaction.atomic():
        assignment = (
            ShiftAssignment.objects.for_org(organization)
            .select_for_update(of=("self",))
            .select_related("shift")
            .filter(pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise NotFound("NOT_FOUND", _("No shift assignment of this organization has that id."))
        details = {
            "member": assignment.member_id,
            "shift": assignment.shift.name,
            "startDate": assignment.start_date,
            "endDate": assignment.end_date,
            "lastDay": last_day,
        }
        if assignment.end_date is not None and assignment.end_date <= last_day:
            return "unchanged"
        if assignment.start_date is not None and assignment.start_date > last_day:
            assignment_pk = assignment.pk
            assignment.delete()
            outcome = "removed"
        else:
            assignment_pk = assignment.pk
            assignment.end_date = last_day
            assignment.save(update_fields=["end_date"])
            outcome = "ended"
        audit_record(
            action=f"attendance.shift_assignment.{'remove' if outcome == 'removed' else 'end'}",
            actor=actor,
            organization=organization,
            target_type="attendance.shiftassignment",
            target_id=assignment_pk,
            details=details,
        )
    return outcome
