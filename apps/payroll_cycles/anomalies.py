"""Anomalies: workday records that are not normal, rest, holiday, leave or adjusted, each with what to ask
for to settle it, and whether a request is already pending."""

from datetime import date

from django.db.models import QuerySet

from apps.access.models import Membership
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveRequest, RequestStatus
from apps.attendance.selectors import visible_members
from apps.payroll_cycles.summary.sql import ANOMALY_STATUSES


def anomalies_for(
    *, viewer: Membership, start: date, end: date, member: Membership | None, owed_punch: bool
) -> QuerySet[DailyRecord]:
    members = visible_members(viewer=viewer) if member is None else Membership.objects.filter(pk=member.pk)
    statuses = ("partial",) if owed_punch else ANOMALY_STATUSES
    return (
        DailyRecord.objects.for_org(viewer.organization)
        .filter(work_date__range=(start, end), status__in=statuses, member__in=members)
        .select_related("member__user")
        .order_by("work_date", "member_id")
    )


def missing_side(record: DailyRecord) -> str | None:
    if record.status == "absent":
        return "both"
    if record.status == "partial":
        return "in" if record.first_in_at is None else "out"
    return None


def suggested_request_type(record: DailyRecord) -> str:
    """absent -> leave, no check-in -> missed_check_in, no check-out -> missed_check_out, late / early ->
    time_correction."""
    missing = missing_side(record)
    if missing == "both":
        return "leave"
    if missing is not None:
        return "missed_check_in" if missing == "in" else "missed_check_out"
    return "time_correction"


def describe(records: list[DailyRecord]) -> list[dict]:
    """The page's anomalies with state, missing side and suggested request type (two queries per page)."""
    if not records:
        return []
    ids = {r.member_id for r in records}
    days = {r.work_date for r in records}
    adjustments = {
        (a.member_id, a.work_date): a
        for a in AdjustmentRequest.objects.filter(
            member_id__in=ids, work_date__in=days, status=RequestStatus.PENDING
        )
    }
    leaves = list(
        LeaveRequest.objects.filter(
            member_id__in=ids,
            status=RequestStatus.PENDING,
            start_date__lte=max(days),
            end_date__gte=min(days),
        )
    )
    out = []
    for record in records:
        pending = adjustments.get((record.member_id, record.work_date))
        request = {"type": pending.kind, "id": pending.pk} if pending else None
        if request is None:
            leave = next(
                (
                    lv
                    for lv in leaves
                    if lv.member_id == record.member_id and lv.start_date <= record.work_date <= lv.end_date
                ),
                None,
            )
            request = {"type": "leave", "id": leave.pk} if leave else None
        missing, suggested = missing_side(record), suggested_request_type(record)
        out.append(
            {
                "id": record.pk,
                "member_id": record.member_id,
                "username": record.member.user.username,
                "name": record.member.name,
                "work_date": record.work_date,
                "status": record.status,
                "first_in_at": record.first_in_at,
                "last_out_at": record.last_out_at,
                "late_minutes": record.late_minutes,
                "early_leave_minutes": record.early_leave_minutes,
                "state": "pending" if request else "open",
                "request": request,
                "missing_side": missing,
                "suggested_request_type": suggested,
            }
        )
    return out
