"""The cycle summary through the ORM, on any database (SQLite in the embedded default): the same figures
as sql.py, computed from the records, the attendance calendar and the overtime rules in Python. Reads are
bulk (a fixed number of queries); PostgreSQL uses the one SQL statement instead."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from apps.access.models import Membership, Organization
from apps.attendance.calendar import WorkCalendar
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    Holiday,
    LeaveRequest,
    OvertimeRequest,
    RequestStatus,
)
from apps.payroll_cycles.models import OvertimeRule
from apps.payroll_cycles.summary.rules import Rule, day_overtime
from apps.payroll_cycles.summary.sql import ANOMALY_STATUSES, STATUSES


def _kind(record: DailyRecord, holiday: Holiday | None) -> str:
    if record.status == "holiday" or (holiday is not None and holiday.kind == Holiday.Kind.HOLIDAY):
        return "holiday"
    return "restday" if record.status == "off" else "workday"


def rows(
    *,
    organization: Organization,
    start: date,
    end: date,
    member_ids: list[int] | None,
    approved: dict | None = None,
) -> list[tuple]:
    if approved is None:
        approved = defaultdict(int)
        for member_id, day, minutes in (
            OvertimeRequest.objects.for_org(organization)
            .filter(status=RequestStatus.APPROVED, work_date__range=(start, end))
            .values_list("member_id", "work_date", "minutes")
        ):
            approved[member_id, day] += minutes
    members = Membership.objects.for_org(organization).select_related("user")
    records = DailyRecord.objects.for_org(organization).filter(work_date__range=(start, end))
    if member_ids is not None:
        members, records = members.filter(pk__in=member_ids), records.filter(member_id__in=member_ids)
    by_member = defaultdict(list)
    for record in records.order_by("member_id", "work_date"):
        by_member[record.member_id].append(record)
    members = [m for m in members if m.is_active or m.pk in by_member]
    calendar = WorkCalendar(
        organization=organization, member_ids=[m.pk for m in members], start=start, end=end
    )
    rules = {r.shift_id: Rule.of(r) for r in OvertimeRule.objects.for_org(organization)}
    org_rule = rules.get(None, Rule())
    pending_adjustments = set(
        AdjustmentRequest.objects.for_org(organization)
        .filter(status=RequestStatus.PENDING, work_date__range=(start, end))
        .values_list("member_id", "work_date")
    )
    leaves = defaultdict(list)
    for leave in (
        LeaveRequest.objects.for_org(organization)
        .filter(
            Q(status=RequestStatus.APPROVED) | Q(status=RequestStatus.PENDING),
            start_date__lte=end,
            end_date__gte=start,
        )
        .select_related("leave_type")
    ):
        leaves[leave.member_id].append(leave)
    tzinfo = organization.tzinfo

    out = []
    for member in sorted(members, key=lambda m: (m.employee_no, m.user.username, m.pk)):
        counts = dict.fromkeys(STATUSES, 0)
        totals = defaultdict(int)
        weighted = Decimal(0)
        weeks = defaultdict(int)
        leave_by_type = defaultdict(int)
        for record in by_member.get(member.pk, ()):
            day = record.work_date
            kind = _kind(record, calendar.holiday_entry(day))
            shift = calendar.day(member.pk, day).shift or calendar.usual_shift(member.pk, day)
            rule = rules.get(shift.pk if shift else None) or org_rule
            before = 0
            if shift is not None and record.first_in_at is not None:
                local_in = record.first_in_at.astimezone(tzinfo).replace(tzinfo=None)
                starts = datetime.combine(day, shift.start_time)
                before = int((starts - local_in).total_seconds() // 60) if local_in < starts else 0
            overtime = day_overtime(
                rule=rule,
                kind=kind,
                worked=record.worked_minutes,
                before_start=before,
                required=shift.required_minutes if shift else None,
                approved=approved.get((member.pk, day), 0),
            )
            regular = max(0, record.worked_minutes - overtime)
            totals["days"] += 1
            totals["worked"] += record.worked_minutes
            totals["regular"] += regular
            totals[kind] += overtime
            weighted += overtime * rule.multiplier(kind)
            if kind == "workday" and org_rule.weekly_threshold_minutes is not None:
                weeks[day - timedelta(days=day.weekday())] += regular
            totals["late_count"] += record.late_minutes > 0
            totals["late"] += record.late_minutes
            totals["early_count"] += record.early_leave_minutes > 0
            totals["early"] += record.early_leave_minutes
            counts[record.status] += 1
            member_leaves = [lv for lv in leaves.get(member.pk, ()) if lv.start_date <= day <= lv.end_date]
            if kind == "workday":
                required = shift.required_minutes if shift else 0
                for leave in member_leaves:
                    if leave.status != RequestStatus.APPROVED:
                        continue
                    if leave.half:
                        minutes = required // 2
                    elif leave.hours is not None:
                        minutes = int(leave.hours * 60)
                    else:
                        minutes = required
                    leave_by_type[leave.leave_type.code] += minutes
            if (
                kind == "workday"
                and record.status in ANOMALY_STATUSES
                and (member.pk, day) not in pending_adjustments
                and not any(lv.status == RequestStatus.PENDING for lv in member_leaves)
            ):
                totals["open"] += 1
        extra = 0
        if org_rule.weekly_threshold_minutes is not None:
            extra = sum(max(0, minutes - org_rule.weekly_threshold_minutes) for minutes in weeks.values())
        weighted += extra * org_rule.workday_multiplier
        out.append(
            (
                member.pk,
                member.user.username,
                member.employee_no,
                member.name,
                totals["days"],
                totals["worked"],
                totals["regular"] - extra,
                totals["workday"] + extra,
                totals["restday"],
                totals["holiday"],
                int(weighted.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
                totals["late_count"],
                totals["late"],
                totals["early_count"],
                totals["early"],
                *(counts[s] for s in STATUSES),
                sum(leave_by_type.values()),
                dict(sorted(leave_by_type.items())),
                totals["open"],
            )
        )
    return out
