"""Overtime rules: one for the organization, optionally one per shift (which wins for that shift's days)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance.models import Shift
from apps.audit.services import audit_record
from apps.core.errors import ValidationFailed
from apps.payroll_cycles.models import OvertimeRule
from apps.payroll_cycles.services._common import ensure_admin, lock_organization

LIMITS = {
    "min_minutes": 1440,
    "rounding_minutes": 240,
    "max_minutes_per_day": 1440,
    "daily_threshold_minutes": 1440,
    "weekly_threshold_minutes": 10080,
}
MULTIPLIERS = ("workday_multiplier", "restday_multiplier", "holiday_multiplier")
FLAGS = ("count_before_shift", "requires_approval")


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("OVERTIME_RULE_INVALID", message, {"fields": {field: [message]}})


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, limit in LIMITS.items():
        if field not in values:
            continue
        value = values[field]
        if value is None and field == "weekly_threshold_minutes":
            out[field] = None
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
            raise _bad(field, _("A whole number of minutes from 0 to %(limit)s.") % {"limit": limit})
        out[field] = value
    for field in MULTIPLIERS:
        if field in values:
            try:
                value = Decimal(str(values[field]))
            except InvalidOperation:
                raise _bad(field, _("A multiplier such as 1.5.")) from None
            if not Decimal(1) <= value <= Decimal(10) or value != value.quantize(Decimal("0.01")):
                raise _bad(field, _("A multiplier from 1 to 10 with at most two decimals."))
            out[field] = value
    for field in FLAGS:
        if field in values:
            out[field] = bool(values[field])
    if "rounding_mode" in values:
        if values["rounding_mode"] not in OvertimeRule.Rounding.values:
            raise _bad("rounding_mode", _("Rounding is up, down or nearest."))
        out["rounding_mode"] = values["rounding_mode"]
    if "name" in values:
        out["name"] = (values["name"] or "").strip()[:100]
    return out


def overtime_rule_save(*, actor: Membership, shift: Shift | None, values: dict[str, Any]) -> OvertimeRule:
    """Create or change the rule of the organization (`shift` None) or of one shift."""
    ensure_admin(actor)
    cleaned = _clean(values)
    with transaction.atomic():
        lock_organization(actor.organization)
        rule = OvertimeRule.objects.for_org(actor.organization).select_for_update().filter(
            shift=shift
        ).first() or OvertimeRule(organization=actor.organization, shift=shift)
        created = rule.pk is None
        for field, value in cleaned.items():
            setattr(rule, field, value)
        if not rule.name:
            rule.name = shift.name if shift else _("Organization")
        rule.save()
        audit_record(
            action="payroll.overtime_rule.create" if created else "payroll.overtime_rule.update",
            actor=actor,
            target=rule,
            details={"shift": shift.pk if shift else None, "fields": sorted(cleaned)},
        )
    return rule
