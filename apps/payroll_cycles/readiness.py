"""What stands between a cycle and its close, and what changed between two closes."""

from django.db.models import Count, Exists, OuterRef

from apps.access.models import Membership
from apps.attendance import hooks
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveRequest,
    OvertimeRequest,
    RequestStatus,
)
from apps.audit.models import OperationLog
from apps.payroll_cycles.models import CycleTransition, PayrollCycle, SettlementSnapshot
from apps.payroll_cycles.summary import cycle_summary
from apps.payroll_cycles.summary.sql import ANOMALY_STATUSES

LISTED = 20


def cycle_readiness(*, cycle: PayrollCycle) -> dict:
    """Pending requests, open anomalies by kind, active members without a single record, imports running."""
    org = cycle.organization
    span = (cycle.start_date, cycle.end_date)
    pending_adjustments = AdjustmentRequest.objects.for_org(org).filter(
        status=RequestStatus.PENDING, work_date__range=span
    )
    pending_leave = LeaveRequest.objects.for_org(org).filter(
        status=RequestStatus.PENDING, start_date__lte=cycle.end_date, end_date__gte=cycle.start_date
    )
    pending_overtime = OvertimeRequest.objects.for_org(org).filter(
        status=RequestStatus.PENDING, work_date__range=span
    )
    pending_for_day = AdjustmentRequest.objects.filter(
        member_id=OuterRef("member_id"), work_date=OuterRef("work_date"), status=RequestStatus.PENDING
    )
    leave_for_day = LeaveRequest.objects.filter(
        member_id=OuterRef("member_id"),
        status=RequestStatus.PENDING,
        start_date__lte=OuterRef("work_date"),
        end_date__gte=OuterRef("work_date"),
    )
    anomalies = (
        DailyRecord.objects.for_org(org)
        .filter(work_date__range=span, status__in=ANOMALY_STATUSES)
        .exclude(Exists(pending_for_day))
        .exclude(Exists(leave_for_day))
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_kind = dict.fromkeys(ANOMALY_STATUSES, 0) | {row["status"]: row["n"] for row in anomalies}
    without = (
        Membership.objects.for_org(org)
        .filter(is_active=True)
        .exclude(pk__in=DailyRecord.objects.for_org(org).filter(work_date__range=span).values("member_id"))
        .select_related("user")
        .order_by("employee_no", "user__username")
    )
    pending = hooks.pending_work(organization_id=org.pk)
    missing = list(without[:LISTED])
    return {
        "cycle_id": cycle.pk,
        "status": cycle.status,
        "pending_requests": {
            "adjustments": pending_adjustments.count(),
            "leave": pending_leave.count(),
            "overtime": pending_overtime.count(),
        },
        "open_anomalies": {"total": sum(by_kind.values()), "by_kind": by_kind},
        "members_without_records": {
            "count": without.count(),
            "members": [{"id": m.pk, "username": m.user.username, "name": m.name} for m in missing],
        },
        "imports_running": pending.get("importsRunning", 0),
        "ready": not (
            pending_adjustments.exists()
            or pending_leave.exists()
            or pending_overtime.exists()
            or sum(by_kind.values())
            or pending.get("importsRunning")
        ),
    }


COMPARED = (
    "total_days",
    "worked_minutes",
    "regular_minutes",
    "overtime_minutes",
    "workday_overtime_minutes",
    "restday_overtime_minutes",
    "holiday_overtime_minutes",
    "weighted_overtime_minutes",
    "late_count",
    "late_minutes",
    "early_leave_count",
    "early_leave_minutes",
    "absent_days",
    "leave_minutes",
    "open_anomalies",
    "counts",
    "leave_by_type",
)


def _close_entry_ids(cycle: PayrollCycle) -> list[int]:
    """The audit entries of the cycle's closes, in order: the n-th is the close that wrote version n. Entries
    between two of them (by id, the order they were written) are what happened while it was reopened."""
    return list(
        OperationLog.objects.filter(
            organization=cycle.organization, action="payroll.cycle.close", target_id=str(cycle.pk)
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def cycle_changes(*, cycle: PayrollCycle) -> dict:
    """Per member, what differs between the previous settlement snapshot and the latest one (or, while the
    cycle is reopened, between the latest snapshot and the figures now), with the audit entries about that
    member in between (who changed it and why) and the reasons given for reopening."""
    latest = cycle.snapshot_version
    if latest == 0:
        return {"cycle_id": cycle.pk, "from_version": None, "to_version": None, "reopens": [], "members": []}
    reopened = cycle.status in (PayrollCycle.Status.OPEN, PayrollCycle.Status.LOCKED)
    base_version = latest if reopened else latest - 1
    if base_version == 0:
        return {
            "cycle_id": cycle.pk,
            "from_version": None,
            "to_version": latest,
            "reopens": [],
            "members": [],
        }
    before = {
        s.member_id: s.data for s in SettlementSnapshot.objects.filter(cycle=cycle, version=base_version)
    }
    if reopened:
        after = {row["member_id"]: row for row in cycle_summary(cycle=cycle)}
    else:
        after = {s.member_id: s.data for s in SettlementSnapshot.objects.filter(cycle=cycle, version=latest)}
    closes = _close_entry_ids(cycle)
    since = closes[base_version - 1] if len(closes) >= base_version else 0
    until = None if reopened or len(closes) < latest else closes[latest - 1]
    changed = {}
    for member_id in sorted(set(before) | set(after)):
        old, new = before.get(member_id, {}), after.get(member_id, {})
        diff = {f: {"before": old.get(f), "after": new.get(f)} for f in COMPARED if old.get(f) != new.get(f)}
        if diff:
            changed[member_id] = {"member": new or old, "changes": diff, "entries": []}
    if changed:
        entries = OperationLog.objects.filter(organization=cycle.organization, id__gt=since)
        if until is not None:
            entries = entries.filter(id__lt=until)
        entries = (
            entries.filter(details__member__in=list(changed), result=OperationLog.Result.OK)
            .select_related("actor")
            .order_by("id")
        )
        for entry in entries:
            member_id = entry.details.get("member")
            if member_id in changed:
                changed[member_id]["entries"].append(
                    {
                        "action": entry.action,
                        "actor": entry.actor.get_username() if entry.actor else entry.actor_label,
                        "at": entry.created_at,
                        "result": entry.result,
                        "details": entry.details,
                    }
                )
    reopens = CycleTransition.objects.filter(cycle=cycle, action="reopen").select_related("actor__user")
    reopens = list(reopens)[base_version - 1 :]  # the reopens after the base version's close
    return {
        "cycle_id": cycle.pk,
        "from_version": base_version,
        "to_version": None if reopened else latest,
        "reopens": [
            {"reason": t.reason, "actor": t.actor.user.get_username() if t.actor else "", "at": t.created_at}
            for t in reopens
        ],
        "members": [
            {
                "member_id": member_id,
                "username": item["member"].get("username", ""),
                "name": item["member"].get("name", ""),
                "changes": item["changes"],
                "entries": item["entries"],
            }
            for member_id, item in changed.items()
        ],
    }
