"""Daily records: the one service that (re)computes them from punches, shifts, calendar, leave and
approved adjustments. Other services call `recompute_days` inside their own transaction; the imports
app and commands call `records_recompute`."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.attendance import hooks
from apps.attendance.calendar import WorkCalendar
from apps.attendance.computation import DayValues, LeaveCover, compute_day
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveRequest, Punch, RequestStatus
from apps.audit.services import audit_record
from apps.core.errors import ValidationFailed

MAX_RECOMPUTE_DAYS = 400


@dataclass(frozen=True)
class RecomputeResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_locked: int = 0


def _apply(record: DailyRecord, values: DayValues) -> None:
    for field in DayValues.FIELDS:
        setattr(record, field, getattr(values, field))


def recompute_days(
    *,
    organization: Organization,
    member_ids: Iterable[int],
    dates: Iterable[date],
    members: list[Membership] | None = None,
    calendar: WorkCalendar | None = None,
    unlocked: bool = False,
) -> RecomputeResult:
    """Recompute the records of `member_ids` x `dates` with a fixed number of queries. Must run inside a
    transaction (existing records are row-locked). Locked dates are left alone and counted.

    A caller that already holds the members or a calendar covering them passes them in to save queries;
    one that has just refused locked dates in the same transaction (a punch) says `unlocked=True`.
    """
    dates = sorted(set(dates))
    member_ids = sorted(set(member_ids))
    if not dates or not member_ids:
        return RecomputeResult()
    if members is None or {m.pk for m in members} != set(member_ids):
        members = list(Membership.objects.for_org(organization).filter(pk__in=member_ids).order_by("pk"))
    ids = [m.pk for m in members]
    first, last = dates[0], dates[-1]
    existing = {
        (r.member_id, r.work_date): r
        for r in DailyRecord.objects.for_org(organization)
        .select_for_update()
        .filter(member_id__in=ids, work_date__in=dates)
        .order_by("pk")
    }
    if calendar is None or not calendar.covers(member_ids=ids, start=first, end=last):
        calendar = WorkCalendar(organization=organization, member_ids=ids, start=first, end=last)
    punches = defaultdict(list)
    for punch in Punch.objects.for_org(organization).filter(member_id__in=ids, work_date__in=dates):
        punches[punch.member_id, punch.work_date].append(punch)
    leaves = defaultdict(list)
    for leave in LeaveRequest.objects.for_org(organization).filter(
        member_id__in=ids, status=RequestStatus.APPROVED, start_date__lte=last, end_date__gte=first
    ):
        leaves[leave.member_id].append(leave)
    adjustments = defaultdict(list)
    for adjustment in (
        AdjustmentRequest.objects.for_org(organization)
        .filter(member_id__in=ids, status=RequestStatus.APPROVED, work_date__in=dates)
        .order_by("decided_at", "id")
    ):
        adjustments[adjustment.member_id, adjustment.work_date].append(adjustment)

    now = timezone.now()
    to_create: list[DailyRecord] = []
    to_update: list[DailyRecord] = []
    unchanged = skipped = 0
    locked = (
        set()
        if unlocked
        else hooks.locked_pairs(organization_id=organization.pk, member_ids=ids, dates=dates)
    )
    for member in members:
        for day in dates:
            if (member.pk, day) in locked:
                skipped += 1
                continue
            record = existing.get((member.pk, day))
            values = compute_day(
                schedule=calendar.day(member.pk, day),
                tzinfo=calendar.tzinfo,
                punches=punches.get((member.pk, day), ()),
                leave=LeaveCover.of(leaves.get(member.pk, ()), day),
                adjustments=adjustments.get((member.pk, day), ()),
                existing=record,
            )
            if values is None or (record is not None and not values.differs_from(record)):
                unchanged += 1
            elif record is None:
                record = DailyRecord(organization=organization, member=member, work_date=day)
                _apply(record, values)
                to_create.append(record)
            else:
                _apply(record, values)
                record.version += 1
                record.updated_at = now
                to_update.append(record)
    if to_update:
        DailyRecord.objects.bulk_update(
            to_update, [*DayValues.FIELDS, "version", "updated_at"], batch_size=500
        )
    created = _create(to_create)
    return RecomputeResult(
        created=created,
        updated=len(to_update) + len(to_create) - created,
        unchanged=unchanged,
        skipped_locked=skipped,
    )


def _create(records: list[DailyRecord]) -> int:
    """Insert new records; if another writer inserted one of them meanwhile, update that one instead."""
    if not records:
        return 0
    try:
        with transaction.atomic():
            DailyRecord.objects.bulk_create(records, batch_size=500)
        return len(records)
    except IntegrityError:
        pass
    created = 0
    for record in records:
        try:
            with transaction.atomic():
                record.save(force_insert=True)
            created += 1
        except IntegrityError:
            current = DailyRecord.objects.select_for_update().get(
                member_id=record.member_id, work_date=record.work_date
            )
            for field in DayValues.FIELDS:
                setattr(current, field, getattr(record, field))
            current.version += 1
            current.save(update_fields=[*DayValues.FIELDS, "version", "updated_at"])
    return created


def records_recompute(
    *,
    organization: Organization,
    member_ids: list[int],
    dates: list[date],
    actor: Membership | None = None,
) -> RecomputeResult:
    """Recompute daily records for the given members and dates (for imports, commands and admins).

    Imported records without punches are kept; locked dates are skipped (see docs/attendance.md).
    """
    if len(set(dates)) > MAX_RECOMPUTE_DAYS:
        raise ValidationFailed(
            "DATE_RANGE_TOO_LONG",
            _("Recompute at most %(days)s days at a time.") % {"days": MAX_RECOMPUTE_DAYS},
        )
    with transaction.atomic():
        result = recompute_days(organization=organization, member_ids=member_ids, dates=dates)
        audit_record(
            action="attendance.record.recompute",
            actor=actor,
            organization=organization,
            details={
                "members": len(set(member_ids)),
                "dates": len(set(dates)),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skippedLocked": result.skipped_locked,
            },
        )
    return result
