"""Leave types and balances: the ledger (accrual, usage, reversal, manual adjustment) and its sum.

The balance of a member for a type is the sum of its ledger entries; no stored total can drift from it.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
    name_zh: str = "",
    unit: str = LeaveType.Unit.DAY,
    is_paid: bool = True,
    yearly_allowance: Decimal | int = 0,
    allow_negative: bool = False,
    accrual_pro_rata: bool = False,
    carry_forward_cap: Decimal | int | None = None,
    actor: Membership | None = None,
) -> LeaveType:
    """A new leave type; with an allowance, every active member is credited this year's at once."""
    if unit not in LeaveType.Unit.values:
        raise ValidationFailed("VALIDATION_ERROR", _("Unknown leave unit."), {"field": "unit"})
    if carry_forward_cap is not None and not 0 <= Decimal(carry_forward_cap) <= 9999:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("The carry-forward cap must be between 0 and 9999."),
            {"fields": {"carryForwardCap": [_("Out of range.")]}},
        )
    with transaction.atomic():
        leave_type, created = LeaveType.objects.get_or_create(
            organization=organization,
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "unit": unit,
                "is_paid": is_paid,
                "yearly_allowance": Decimal(yearly_allowance),
                "allow_negative": allow_negative,
                "accrual_pro_rata": accrual_pro_rata,
                "carry_forward_cap": None if carry_forward_cap is None else Decimal(carry_forward_cap),
            },
        )
        if created:
            audit_record(
                action="attendance.leave_type.create",
                actor=actor,
                organization=organization,
                target=leave_type,
            )
            if leave_type.yearly_allowance > 0:
                leave_type_credit_this_year(leave_type=leave_type, actor=actor)
    return leave_type


def _this_year(organization: Organization) -> int:
    return timezone.localdate(timezone.now(), organization.tzinfo).year


def _allowance_for(leave_type: LeaveType, member: Membership, year: int) -> Decimal:
    """What `member` is owed of `leave_type` for `year`: the allowance, or with pro rata the months left
    in the year they joined (joining in March gives 10/12)."""
    allowance = leave_type.yearly_allowance
    if not leave_type.accrual_pro_rata:
        return allowance
    joined = timezone.localdate(member.created_at, leave_type.organization.tzinfo)
    if joined.year > year:
        return Decimal("0")
    if joined.year < year:
        return allowance
    return (allowance * (13 - joined.month) / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _expire_above_cap(
    *, leave_type: LeaveType, year: int, actor: Membership | None
) -> list[LeaveLedgerEntry]:
    """Entries taking away what each member had left of `leave_type` at the end of `year - 1` beyond the
    type's carry-forward cap (none without a cap). One expiry per member, type and year."""
    if leave_type.carry_forward_cap is None:
        return []
    cap = leave_type.carry_forward_cap
    left = (
        LeaveLedgerEntry.objects.filter(leave_type=leave_type, effective_date__lt=date(year, 1, 1))
        .values("member_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=cap)
    )
    return [
        LeaveLedgerEntry(
            organization_id=leave_type.organization_id,
            member_id=row["member_id"],
            leave_type=leave_type,
            kind=LeaveLedgerEntry.Kind.EXPIRY,
            amount=cap - row["total"],
            effective_date=date(year, 1, 1),
            accrual_year=year,
            note=f"Above the carry-forward cap of {cap} ({year - 1})",
            created_by=actor,
        )
        for row in left
    ]


def _grants(
    *, leave_type: LeaveType, members: list[Membership], year: int, top_up: bool, actor: Membership | None
) -> list[LeaveLedgerEntry]:
    """The entries that bring every member's credit of `leave_type` for `year` to what they are owed: the
    year's accrual when there is none, else (with `top_up`) the difference an allowance change made."""
    granted = dict(
        LeaveLedgerEntry.objects.filter(
            leave_type=leave_type,
            accrual_year=year,
            kind__in=[LeaveLedgerEntry.Kind.ACCRUAL, LeaveLedgerEntry.Kind.ALLOWANCE_CHANGE],
        )
        .values("member_id")
        .annotate(total=Sum("amount"))
        .values_list("member_id", "total")
    )
    entries = []
    for member in members:
        owed = _allowance_for(leave_type, member, year)
        if member.pk not in granted:
            if owed > 0:
                kind, amount, note = LeaveLedgerEntry.Kind.ACCRUAL, owed, f"Yearly allowance {year}"
            else:
                continue
        elif top_up and owed != granted[member.pk]:
            kind, amount = LeaveLedgerEntry.Kind.ALLOWANCE_CHANGE, owed - granted[member.pk]
            note = f"Allowance {year} changed to {leave_type.yearly_allowance}"
        else:
            continue
        entries.append(
            LeaveLedgerEntry(
                organization_id=leave_type.organization_id,
                member=member,
                leave_type=leave_type,
                kind=kind,
                amount=amount,
                effective_date=date(year, 1, 1),
                accrual_year=year,
                note=note,
                created_by=actor,
            )
        )
    return entries


def leave_accrue_year(
    *,
    organization: Organization,
    year: int,
    actor: Membership | None = None,
    leave_types: list[LeaveType] | None = None,
) -> int:
    """Credit every active member the allowance of every active type (or of `leave_types`) for `year`,
    and expire what last year left above a type's carry-forward cap. Safe to run again and from beat every
    day: a member gets one accrual and one expiry per type and year (unique constraints), and a joiner is
    credited on the next run. For the current year an allowance changed since is topped up (or taken down)
    by the difference; past years are never re-granted. Returns the entries created."""
    top_up = year == _this_year(organization)
    members = list(Membership.objects.for_org(organization).filter(is_active=True))
    with transaction.atomic():
        # The types' rows serialise two runs at once, so a top-up is never written twice.
        queryset = LeaveType.objects.for_org(organization).filter(is_active=True).select_for_update()
        if leave_types is not None:
            queryset = queryset.filter(pk__in=[leave_type.pk for leave_type in leave_types])
        entries: list[LeaveLedgerEntry] = []
        for leave_type in queryset.select_related("organization").order_by("pk"):
            entries += _expire_above_cap(leave_type=leave_type, year=year, actor=actor)
            entries += _grants(leave_type=leave_type, members=members, year=year, top_up=top_up, actor=actor)
        before = LeaveLedgerEntry.objects.for_org(organization).filter(accrual_year=year).count()
        LeaveLedgerEntry.objects.bulk_create(entries, ignore_conflicts=True, batch_size=1000)
        created = LeaveLedgerEntry.objects.for_org(organization).filter(accrual_year=year).count() - before
        if created:
            audit_record(
                action="attendance.leave.accrue",
                actor=actor,
                organization=organization,
                details={
                    "year": year,
                    "created": created,
                    "leaveTypes": sorted({entry.leave_type.code for entry in entries}),
                },
            )
    return created


def leave_type_credit_this_year(*, leave_type: LeaveType, actor: Membership | None = None) -> int:
    """A type created or whose allowance changed: credit (or correct) this year's allowance at once."""
    organization = leave_type.organization
    return leave_accrue_year(
        organization=organization, year=_this_year(organization), actor=actor, leave_types=[leave_type]
    )


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
            % {"leave_type": leave_type.display_name, "balance": balance, "amount": amount},
            {"balance": str(balance), "requested": str(amount), "unit": leave_type.balance_unit},
        )
