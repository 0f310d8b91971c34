"""Payroll reads, scoped to the viewer's organization first."""

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.models import Shift
from apps.attendance.selectors import visible_members
from apps.core.errors import NotFound
from apps.payroll_cycles.models import OvertimeRule, PayrollCycle, PayrollTemplate


def templates_for(*, viewer: Membership) -> QuerySet[PayrollTemplate]:
    return PayrollTemplate.objects.for_org(viewer.organization).order_by("name")


def template_get(*, viewer: Membership, template_id: int | None) -> PayrollTemplate:
    template = templates_for(viewer=viewer).filter(pk=template_id).first() if template_id else None
    if template is None:
        raise NotFound("PAYROLL_TEMPLATE_NOT_FOUND", _("No such payroll template in your organization."))
    return template


def cycles_for(
    *, viewer: Membership, status: str | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[PayrollCycle]:
    cycles = PayrollCycle.objects.for_org(viewer.organization)
    if status:
        cycles = cycles.filter(status=status)
    if start:
        cycles = cycles.filter(end_date__gte=start)
    if end:
        cycles = cycles.filter(start_date__lte=end)
    return cycles.order_by("-start_date", "-id")


def cycle_get(*, viewer: Membership, cycle_id: int) -> PayrollCycle:
    cycle = (
        PayrollCycle.objects.for_org(viewer.organization)
        .select_related("organization")
        .filter(pk=cycle_id)
        .first()
    )
    if cycle is None:
        raise NotFound("PAYROLL_CYCLE_NOT_FOUND", _("No such payroll cycle in your organization."))
    return cycle


def cycle_current(*, viewer: Membership, day: date) -> PayrollCycle | None:
    return (
        PayrollCycle.objects.for_org(viewer.organization)
        .filter(start_date__lte=day, end_date__gte=day)
        .select_related("organization")
        .first()
    )


def summary_members(*, viewer: Membership, member: Membership | None = None) -> QuerySet[Membership]:
    """Whose summary the viewer may read: admins everyone, approvers their team and themselves, employees
    themselves. Asking for anyone else is 404 (the member lookup says no such member)."""
    members = visible_members(viewer=viewer)
    if member is not None:
        members = members.filter(pk=member.pk)
    return members.select_related("user").order_by("employee_no", "user__username", "id")


def summary_member_ids_for(*, viewer: Membership, member_ids: list[int] | None) -> list[int] | None:
    """Whose summary a full read (`member_ids` None) covers: everyone (None) for an admin, else the
    members the viewer may see."""
    if member_ids is None and not viewer.can(roles.ADMINISTER):
        member_ids = list(summary_members(viewer=viewer).values_list("pk", flat=True))
    return member_ids


def overtime_rules_for(*, viewer: Membership) -> QuerySet[OvertimeRule]:
    return (
        OvertimeRule.objects.for_org(viewer.organization).select_related("shift").order_by("shift_id", "id")
    )


def shift_get(*, viewer: Membership, shift_id: int | None) -> Shift | None:
    if shift_id is None:
        return None
    shift = Shift.objects.for_org(viewer.organization).filter(pk=shift_id).first()
    if shift is None:
        raise NotFound("SHIFT_NOT_FOUND", _("No such shift in your organization."))
    return shift
