"""Payroll cycles: creating, generating, renaming and deleting them. Their moves open -> locked -> closed ->
archived are transitions.py.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.audit.services import audit_record
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.payroll_cycles import periods
from apps.payroll_cycles.models import PayrollCycle, PayrollTemplate
from apps.payroll_cycles.services._common import ensure_admin, idempotent, lock_organization

Status = PayrollCycle.Status
MAX_GENERATE = 36
MAX_CYCLE_DAYS = 62
KEEP_AHEAD = 3


def cut_of(template: PayrollTemplate) -> periods.Cut:
    return periods.Cut(
        kind=template.kind,
        start_day=template.start_day,
        end_day=template.end_day,
        end_month_offset=template.end_month_offset,
        anchor_date=template.anchor_date,
    )


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed(
            "INVALID_DATE_RANGE",
            _("The end date is before the start date."),
            {"fields": {"endDate": [_("Before the start date.")]}},
        )
    if (end - start).days + 1 > MAX_CYCLE_DAYS:
        raise ValidationFailed(
            "INVALID_DATE_RANGE",
            _("A cycle is at most %(days)s days long.") % {"days": MAX_CYCLE_DAYS},
            {"fields": {"endDate": [_("Too long.")]}},
        )


def _overlapping(organization: Organization, start: date, end: date, exclude: int | None = None):
    found = PayrollCycle.objects.for_org(organization).filter(start_date__lte=end, end_date__gte=start)
    return found.exclude(pk=exclude) if exclude else found


def _overlap_error(cycle: PayrollCycle, start: date, end: date) -> Conflict:
    return Conflict(
        "CYCLE_OVERLAP",
        _("%(start)s to %(end)s overlaps the cycle %(name)s (%(cycle_start)s to %(cycle_end)s).")
        % {
            "start": date_format(start, "DATE_FORMAT"),
            "end": date_format(end, "DATE_FORMAT"),
            "name": cycle.display_name,
            "cycle_start": date_format(cycle.start_date, "DATE_FORMAT"),
            "cycle_end": date_format(cycle.end_date, "DATE_FORMAT"),
        },
        {"cycleId": cycle.pk, "startDate": start.isoformat(), "endDate": end.isoformat()},
    )


def cycle_name(prefix: str, start: date, end: date) -> str:
    return f"{prefix} {start.isoformat()}~{end.isoformat()}".strip()


def cycle_create(
    *, actor: Membership, name: str, start_date: date, end_date: date, template: PayrollTemplate | None = None
) -> PayrollCycle:
    """One cycle by hand. 409 CYCLE_OVERLAP when it overlaps another; the identical range is 409 too."""
    ensure_admin(actor)
    _check_range(start_date, end_date)
    name = (name or "").strip()[:200] or cycle_name(_("Payroll"), start_date, end_date)
    with transaction.atomic():
        organization = lock_organization(actor.organization)
        clash = _overlapping(organization, start_date, end_date).first()
        if clash is not None:
            raise _overlap_error(clash, start_date, end_date)
        cycle = PayrollCycle.objects.create(
            organization=organization, template=template, name=name, start_date=start_date, end_date=end_date
        )
        audit_record(
            action="payroll.cycle.create",
            actor=actor,
            target=cycle,
            details={"startDate": start_date, "endDate": end_date},
        )
    return cycle


def _generate(
    *, organization: Organization, template: PayrollTemplate, ranges: list[periods.Period], prefix: str
) -> tuple[list[PayrollCycle], list[dict]]:
    """Create the missing ones of `ranges` (caller holds the organization lock). All or nothing."""
    existing = {
        (c.start_date, c.end_date): c for c in _overlapping(organization, ranges[0].start, ranges[-1].end)
    }
    to_create, skipped = [], []
    for period in ranges:
        same = existing.get((period.start, period.end))
        if same is not None:
            skipped.append({"id": same.pk, "start_date": period.start, "end_date": period.end})
            continue
        clash = next(
            (c for c in existing.values() if c.start_date <= period.end and c.end_date >= period.start), None
        )
        if clash is not None:
            raise _overlap_error(clash, period.start, period.end)
        to_create.append(
            PayrollCycle(
                organization=organization,
                template=template,
                name=cycle_name(prefix, period.start, period.end),
                start_date=period.start,
                end_date=period.end,
            )
        )
    created = PayrollCycle.objects.bulk_create(to_create)
    if created and created[0].pk is None:  # databases that do not return ids
        created = list(
            PayrollCycle.objects.for_org(organization).filter(
                start_date__in=[c.start_date for c in to_create], template=template
            )
        )
    return created, skipped


def _default_template(organization: Organization) -> PayrollTemplate:
    template = PayrollTemplate.objects.for_org(organization).filter(is_default=True).first()
    if template is None:
        raise ValidationFailed(
            "PAYROLL_TEMPLATE_REQUIRED",
            _("Send templateId, or mark one template as the default."),
            {"fields": {"templateId": [_("Required.")]}},
        )
    return template


def cycles_generate(
    *,
    actor: Membership,
    template: PayrollTemplate | None,
    count: int,
    anchor_date: date | None = None,
    year: int | None = None,
    month: int | None = None,
    name_prefix: str = "",
    idempotency_key: str = "",
) -> tuple[dict, bool]:
    """`count` consecutive cycles of `template` from the one holding `anchor_date` (or of year-month).

    Ranges that exist already are skipped; a different range overlapping an existing cycle is 409
    CYCLE_OVERLAP and nothing is created. Returns `{created: [...], skipped: [...]}` and whether it replayed.
    """
    ensure_admin(actor)
    if not 1 <= count <= MAX_GENERATE:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("count must be between 1 and %(max)s.") % {"max": MAX_GENERATE},
            {"fields": {"count": [_("Between 1 and %(max)s.") % {"max": MAX_GENERATE}]}},
        )
    if anchor_date is None and (year is None or month is None):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Send anchorDate, or year and month."),
            {"fields": {"anchorDate": [_("Required without year and month.")]}},
        )
    template = template or _default_template(actor.organization)
    ranges = periods.periods_from(cut_of(template), anchor=anchor_date, year=year, month=month, count=count)
    prefix = (name_prefix or "").strip()[:100] or template.name
    payload = {
        "template": template.pk,
        "count": count,
        "anchor": anchor_date,
        "year": year,
        "month": month,
        "prefix": prefix,
    }

    def run() -> dict:
        organization = lock_organization(actor.organization)
        created, skipped = _generate(
            organization=organization, template=template, ranges=ranges, prefix=prefix
        )
        audit_record(
            action="payroll.cycle.generate",
            actor=actor,
            target=template,
            details={"created": [c.pk for c in created], "skipped": len(skipped), "count": count},
        )
        return {
            "created": [
                {"id": c.pk, "name": c.name, "start_date": c.start_date, "end_date": c.end_date}
                for c in created
            ],
            "skipped": skipped,
        }

    return idempotent(
        organization=actor.organization, key=idempotency_key, operation="generate", payload=payload, run=run
    )


def cycles_keep_ahead(*, today: date | None = None) -> int:
    """Auto-generating templates keep the cycle holding today and the next three present (beat, command).
    Ranges overlapping a hand-made cycle are left to a person: that template is skipped."""
    made = 0
    for template in PayrollTemplate.objects.filter(auto_generate=True).select_related("organization"):
        local = today or timezone.localdate(timezone.now(), template.organization.tzinfo)
        ranges = periods.periods_from(cut_of(template), anchor=local, count=KEEP_AHEAD + 1)
        with transaction.atomic():
            organization = lock_organization(template.organization)
            try:
                with transaction.atomic():
                    created, _skipped = _generate(
                        organization=organization, template=template, ranges=ranges, prefix=template.name
                    )
            except Conflict:
                continue
            if created:
                audit_record(
                    action="payroll.cycle.generate",
                    organization=organization,
                    actor_label="beat",
                    target=template,
                    details={"created": [c.pk for c in created], "auto": True},
                )
            made += len(created)
    return made


def cycle_for_update(*, organization: Organization, cycle_id: int) -> PayrollCycle:
    cycle = PayrollCycle.objects.for_org(organization).select_for_update().filter(pk=cycle_id).first()
    if cycle is None:
        raise NotFound("PAYROLL_CYCLE_NOT_FOUND", _("No such payroll cycle in your organization."))
    return cycle


def cycle_update(*, actor: Membership, cycle: PayrollCycle, values: dict[str, Any]) -> PayrollCycle:
    """Rename a cycle or move its dates (not once it was closed: 409 CYCLE_CLOSED_PERIOD_FROZEN)."""
    ensure_admin(actor)
    with transaction.atomic():
        organization = lock_organization(actor.organization)
        cycle = cycle_for_update(organization=organization, cycle_id=cycle.pk)
        start, end = values.get("start_date", cycle.start_date), values.get("end_date", cycle.end_date)
        template_id = values.get("template_id", cycle.template_id)
        moved = (start, end, template_id) != (cycle.start_date, cycle.end_date, cycle.template_id)
        if moved and (cycle.status != Status.OPEN or cycle.snapshot_version):
            raise Conflict(
                "CYCLE_CLOSED_PERIOD_FROZEN",
                _("This cycle was locked or closed: its dates and template can no longer change."),
            )
        _check_range(start, end)
        clash = _overlapping(organization, start, end, exclude=cycle.pk).first()
        if clash is not None:
            raise _overlap_error(clash, start, end)
        cycle.name = (values.get("name") or cycle.name).strip()[:200]
        cycle.start_date, cycle.end_date, cycle.template_id = start, end, template_id
        cycle.save()
        audit_record(action="payroll.cycle.update", actor=actor, target=cycle, details={"moved": moved})
    return cycle


def cycle_delete(*, actor: Membership, cycle: PayrollCycle) -> None:
    ensure_admin(actor)
    with transaction.atomic():
        cycle = cycle_for_update(organization=actor.organization, cycle_id=cycle.pk)
        if cycle.status != Status.OPEN or cycle.snapshot_version:
            raise Conflict(
                "CYCLE_CLOSED_NOT_DELETABLE",
                _("Only an open cycle that was never closed can be deleted."),
            )
        audit_record(action="payroll.cycle.delete", actor=actor, target=cycle, details={"name": cycle.name})
        cycle.delete()
