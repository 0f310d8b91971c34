"""Leave types and balances: the ledger (accrual, usage, reversal, manual adjustment) and its sum.

The balance of a member for a type is the sum of its ledger entries; no stored total can drift from it.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.attendance.models import LeaveLedgerEntry, LeaveType
from apps.attendance.services._common import (
    Outcome,
    clean_text,
    fingerprint,
    is_org_admin,
    lock_member,
    replay,
    validate_idempotency_key,
)
from apps.audit.services import audit_record
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


def leave_balance(*, member: Membership, leave_type: LeaveType) -> Decimal:
    total = LeaveLedgerEntry.objects.filter(member=member, leave_type=leave_type).aggregate(
        total=Sum("amount")
    )
    return (total["total"] or Decimal("0")).quantize(Decimal("0.01"))


def leave_type_create(
    *,
    organization: Organization,
    code: str,
    name: str,
    unit: str = LeaveType.Unit.DAY,
    is_paid: bool = True,
    yearly_allowance: Decimal | int = 0,
    allow_negative: bool = False,
    actor: Membership | None = None,
) -> LeaveType:
    if unit not in LeaveType.Unit.values:
        raise ValidationFailed("VALIDATION_ERROR", _("Unknown leave unit."), {"field": "unit"})
    with transaction.atomic():
        leave_type, created = LeaveType.objects.get_or_create(
            organization=organization,
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "is_paid": is_paid,
                "yearly_allowance": Decimal(yearly_allowance),
                "allow_negative": allow_negative,
            },
        )
        if created:
            audit_record(
                action="attendance.leave_type.create",
                actor=actor,
                organization=organization,
                target=leave_type,
            )
    return leave_type


def leave_accrue_year(*, organization: Organization, year: int, actor: Membership | None = None) -> int:
    """Give every active member the yearly allowance of every active type for `year`. Safe to run again:
    a member gets at most one accrual per type and year (a unique constraint). Returns entries created."""
    types = list(LeaveType.objects.for_org(organization).filter(is_active=True, yearly_allowance__gt=0))
    members = list(Membership.objects.for_org(organization).filter(is_active=True))
    entries = [
        LeaveLedgerEntry(
            organization=organization,
            member=member,
            leave_type=leave_type,
            kind=LeaveLedgerEntry.Kind.ACCRUAL,
            amount=leave_type.yearly_allowance,
            effective_date=date(year, 1, 1),
            accrual_year=year,
            note=f"Yearly allowance {year}",
            created_by=actor,
        )
        for member in members
        for leave_type in types
    ]
    with transaction.atomic():
        before = LeaveLedgerEntry.objects.for_org(organization).filter(accrual_year=year).count()
        LeaveLedgerEntry.objects.bulk_create(entries, ignore_conflicts=True, batch_size=1000)
        created = LeaveLedgerEntry.objects.for_org(organization).filter(accrual_year=year).count() - before
        audit_record(
            action="attendance.leave.accrue",
            actor=actor,
            organization=organization,
            details={"year": year, "created": created},
        )
    return created


def leave_balance_adjust(
    *,
    member: Membership,
    leave_type: LeaveType,
    amount: Decimal,
    note: str,
    actor: Membership,
    idempotency_key: str = "",
) -> Outcome[LeaveLedgerEntry]:
    """A manual correction of a balance by an admin (positive or negative); the note says why. With an
    idempotency key, a retry returns the first entry instead of correcting twice."""
    note = clean_text(note, field="note", max_length=300, required=True)
    if leave_type.organization_id != member.organization_id:
        raise NotFound("NOT_FOUND", _("No such leave type."))
    if not is_org_admin(actor) or actor.organization_id != member.organization_id:
        raise Forbidden("FORBIDDEN", _("Only an administrator may adjust a leave balance."))
    amount = clean_decimal(amount, "amount")
    if amount == 0:
        raise ValidationFailed("VALIDATION_ERROR", _("amount must not be zero."), {"field": "amount"})
    key = validate_idempotency_key(idempotency_key)
    request_fingerprint = fingerprint({"leaveType": leave_type.code, "amount": amount, "note": note})
    with transaction.atomic():
        lock_member(member)
        if key:
            existing = LeaveLedgerEntry.objects.filter(member=member, idempotency_key=key).first()
            if existing is not None:
                return replay(existing, request_fingerprint)
        entry = LeaveLedgerEntry.objects.create(
            organization=member.organization,
            member=member,
            leave_type=leave_type,
            kind=LeaveLedgerEntry.Kind.ADJUSTMENT,
            amount=amount,
            effective_date=timezone.localdate(timezone.now(), member.organization.tzinfo),
            note=note,
            created_by=actor,
            idempotency_key=key,
            request_fingerprint=request_fingerprint if key else "",
        )
        audit_record(
            action="attendance.leave.balance_adjust",
            actor=actor,
            target=entry,
            details={"member": member.pk, "leaveType": leave_type.code, "amount": amount},
        )
    return Outcome(obj=entry)


def clean_decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "VALIDATION_ERROR", _("%(field)s must be a number.") % {"field": field}, {"field": field}
        ) from None
    if not number.is_finite() or abs(number) >= 10_000:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("%(field)s is out of range.") % {"field": field}, {"field": field}
        )
    return number.quantize(Decimal("0.01"))


def ensure_balance(*, member: Membership, leave_type: LeaveType, amount: Decimal) -> None:
    if leave_type.allow_negative:
        return
    balance = leave_balance(member=member, leave_type=leave_type)
    if balance < amount:
        raise Conflict(
            "INSUFFICIENT_BALANCE",
            (
                _("Not enough %(leave_type)s left: %(balance)s hour(s), %(amount)s asked.")
                if leave_type.balance_unit == "hour"
                else _("Not enough %(leave_type)s left: %(balance)s day(s), %(amount)s asked.")
            )
            % {"leave_type": leave_type.name, "balance": balance, "amount": amount},
            {"balance": str(balance), "requested": str(amount), "unit": leave_type.balance_unit},
        )
