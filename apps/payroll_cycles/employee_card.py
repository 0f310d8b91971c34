"""The employee page's "this pay period" card: this cycle's hours, overtime and leave for the member.

Attendance shows it through its employee-card hook (`apps.attendance.hooks.register_employee_card`), filled
in `PayrollCyclesConfig.ready()`, so attendance never imports payroll."""

from django.utils import timezone

from apps.access.models import Membership
from apps.payroll_cycles import selectors
from apps.payroll_cycles.summary import cycle_summary

KEY = "payroll-cycle"
TEMPLATE = "payroll_cycles/_employee_card.html"


def card_context(member: Membership) -> dict | None:
    """None (no card) when no cycle holds today; else the cycle and the member's figures so far."""
    today = timezone.localdate(timezone.now(), member.organization.tzinfo)
    cycle = selectors.cycle_current(viewer=member, day=today)
    if cycle is None:
        return None
    rows = cycle_summary(cycle=cycle, member_ids=[member.pk])
    return {"key": KEY, "cycle": cycle, "row": rows[0] if rows else None}
