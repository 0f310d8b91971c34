"""Payroll templates: how an organization cuts its pay periods."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.access.models import Membership, validate_timezone
from apps.audit.services import audit_record
from apps.core.errors import Conflict, ValidationFailed
from apps.payroll_cycles.models import PayrollCycle, PayrollTemplate
from apps.payroll_cycles.services._common import ensure_admin, lock_organization

FIELDS = (
    "name",
    "kind",
    "timezone",
    "start_day",
    "end_day",
    "end_month_offset",
    "anchor_date",
    "auto_generate",
    "config",
    "is_default",
)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("VALIDATION_ERROR", message, {"fields": {field: [message]}})


def _validate(values: dict[str, Any]) -> None:
    name = (values.get("name") or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", _("Give the template a name of 1 to 100 characters."))
    values["name"] = name
    if values["kind"] not in PayrollTemplate.Kind.values:
        raise _invalid("kind", _("The kind must be monthly, semi_monthly, weekly or biweekly."))
    for field in ("start_day", "end_day"):
        if not isinstance(values[field], int) or not 1 <= values[field] <= 31:
            raise ValidationFailed(
                "PAYROLL_TEMPLATE_INVALID_DAY",
                _("Days of the month are 1 to 31 (a day past a short month's end is its last day)."),
                {"fields": {field: [_("Between 1 and 31.")]}},
            )
    if values["end_month_offset"] not in (0, 1):
        raise _invalid("end_month_offset", _("The end month offset is 0 (same month) or 1 (next month)."))
    if (
        values["kind"] == PayrollTemplate.Kind.MONTHLY
        and values["end_month_offset"] == 1
        and (values["end_day"] >= values["start_day"])
    ):
        raise ValidationFailed(
            "PAYROLL_TEMPLATE_INVALID_DAY",
            _("A period that ends next month must end before its start day (e.g. the 26th to the 25th)."),
            {"fields": {"end_day": [_("Before the start day.")]}},
        )
    if values["kind"] in (PayrollTemplate.Kind.WEEKLY, PayrollTemplate.Kind.BIWEEKLY) and not isinstance(
        values.get("anchor_date"), date
    ):
        raise _invalid("anchor_date", _("Weekly and bi-weekly templates need an anchor date."))
    try:
        validate_timezone(values["timezone"])
    except Exception:
        raise _invalid("timezone", _("Unknown timezone.")) from None
    if not isinstance(values.get("config") or {}, dict):
        raise _invalid("config", _("The configuration must be an object."))


def _save(template: PayrollTemplate, *, actor: Membership, action: str) -> PayrollTemplate:
    if template.is_default:
        PayrollTemplate.objects.for_org(template.organization).filter(is_default=True).exclude(
            pk=template.pk
        ).update(is_default=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise Conflict(
            "PAYROLL_TEMPLATE_NAME_TAKEN",
            _("Another template of this organization has this name."),
            {"fields": {"name": [_("Already used.")]}},
        ) from None
    audit_record(action=action, actor=actor, target=template, details={"name": template.name})
    return template


def template_create(*, actor: Membership, values: dict[str, Any]) -> PayrollTemplate:
    ensure_admin(actor)
    values = {
        "kind": PayrollTemplate.Kind.MONTHLY,
        "timezone": actor.organization.timezone,
        "start_day": 1,
        "end_day": 31,
        "end_month_offset": 0,
        "anchor_date": None,
        "auto_generate": False,
        "config": {},
        "is_default": False,
        **values,
    }
    _validate(values)
    with transaction.atomic():
        lock_organization(actor.organization)
        template = PayrollTemplate(organization=actor.organization, **{f: values[f] for f in FIELDS})
        return _save(template, actor=actor, action="payroll.template.create")


def _ensure_unfrozen(template: PayrollTemplate, changed: set[str]) -> None:
    cut = {"kind", "start_day", "end_day", "end_month_offset", "anchor_date"}
    if changed & cut and template.cycles.filter(status__in=PayrollCycle.FROZEN[1:]).exists():
        raise Conflict(
            "CYCLE_CLOSED_PERIOD_FROZEN",
            _("Cycles cut by this template are closed: its period days can no longer change."),
        )


def template_update(
    *, actor: Membership, template: PayrollTemplate, values: dict[str, Any]
) -> PayrollTemplate:
    ensure_admin(actor)
    merged = {f: getattr(template, f) for f in FIELDS} | values
    _validate(merged)
    with transaction.atomic():
        lock_organization(actor.organization)
        template = PayrollTemplate.objects.select_for_update().get(pk=template.pk)
        changed = {f for f in FIELDS if getattr(template, f) != merged[f]}
        _ensure_unfrozen(template, changed)
        for field in FIELDS:
            setattr(template, field, merged[field])
        return _save(template, actor=actor, action="payroll.template.update")


def template_delete(*, actor: Membership, template: PayrollTemplate) -> None:
    ensure_admin(actor)
    with transaction.atomic():
        if template.cycles.filter(status__in=PayrollCycle.FROZEN[1:]).exists():
            raise Conflict(
                "PAYROLL_TEMPLATE_IN_USE",
                _("Closed cycles were cut by this template; it cannot be deleted."),
            )
        audit_record(
            action="payroll.template.delete", actor=actor, target=template, details={"name": template.name}
        )
        template.delete()
