"""Per-member summaries of a payroll cycle: one SQL statement on PostgreSQL (sql.py), the same figures
through the ORM elsewhere (orm.py). `cycle_summary` picks the path and shapes the rows."""

import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, Q

from apps.attendance.models import AdjustmentRequest, Holiday, LeaveRequest, RequestStatus, ShiftAssignment
from apps.payroll_cycles.models import OvertimeRule, PayrollCycle
from apps.payroll_cycles.summary import orm, sql
from apps.payroll_cycles.summary.rules import Rule
from apps.payroll_cycles.summary.sql import STATUSES

HEAD = (
    "member_id",
    "username",
    "employee_no",
    "name",
    "total_days",
    "worked_minutes",
    "regular_minutes",
    "workday_overtime_minutes",
    "restday_overtime_minutes",
    "holiday_overtime_minutes",
    "weighted_overtime_minutes",
    "late_count",
    "late_minutes",
    "early_leave_count",
    "early_leave_minutes",
)


def shape(row: Iterable) -> dict:
    row = list(row)
    out = dict(zip(HEAD, row[: len(HEAD)], strict=True))
    rest = row[len(HEAD) :]
    counts = dict(zip(STATUSES, rest[: len(STATUSES)], strict=True))
    leave_total, leave_by_type, open_anomalies = rest[len(STATUSES) :]
    if isinstance(leave_by_type, str):
        leave_by_type = json.loads(leave_by_type)
    for key in HEAD[4:]:
        out[key] = int(out[key])
    out["total_minutes"] = out["worked_minutes"]
    out["overtime_minutes"] = (
        out["workday_overtime_minutes"] + out["restday_overtime_minutes"] + out["holiday_overtime_minutes"]
    )
    out["counts"] = {status: int(n) for status, n in counts.items()}
    out["absent_days"] = out["counts"]["absent"]
    out["leave_minutes"] = int(leave_total)
    out["leave_by_type"] = [{"code": code, "minutes": int(m)} for code, m in sorted(leave_by_type.items())]
    out["open_anomalies"] = int(open_anomalies)
    return out


def use_sql() -> bool:
    return connection.vendor == "postgresql"


def sql_query(*, cycle: PayrollCycle, member_ids: list[int] | None) -> dict:
    """The parameters of sql.py's statement for `cycle` (its organization's zone, dates and weekly rule)."""
    organization = cycle.organization
    org_rule = Rule.of(OvertimeRule.objects.for_org(organization).filter(shift__isnull=True).first())
    return {
        "organization_id": organization.pk,
        "tz": organization.timezone,
        "start": cycle.start_date,
        "end": cycle.end_date,
        "weekly": org_rule.weekly_threshold_minutes,
        "weekly_multiplier": Decimal(org_rule.workday_multiplier),
        # Without a rule that requires approval no request counts: the statement skips the join. Likewise
        # without a holiday in the cycle, an assignment covering it (everyone is on the default shift) or a
        # pending correction or leave request in it (no anomaly is pending).
        **_has(cycle),
    }


def _has(cycle: PayrollCycle) -> dict:
    """Whether the cycle's organization has what each of the statement's optional parts reads (one query)."""
    org, start, end = cycle.organization_id, cycle.start_date, cycle.end_date
    pending = RequestStatus.PENDING
    found = {
        "approval": OvertimeRule.objects.filter(organization_id=org, requires_approval=True),
        "holidays": Holiday.objects.filter(
            organization_id=org, kind=Holiday.Kind.HOLIDAY, date__range=(start, end)
        ),
        "assignments": ShiftAssignment.objects.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=end),
            Q(end_date__isnull=True) | Q(end_date__gte=start),
            organization_id=org,
        ),
        "adjustments": AdjustmentRequest.objects.filter(
            organization_id=org, status=pending, work_date__range=(start, end)
        ),
        "leave": LeaveRequest.objects.filter(
            organization_id=org, status=pending, start_date__lte=end, end_date__gte=start
        ),
    }
    row = (
        PayrollCycle.objects.filter(pk=cycle.pk)
        .annotate(**{f"has_{key}": Exists(query) for key, query in found.items()})
        .values(*(f"has_{key}" for key in found))
        .get()
    )
    return {
        "approved_sql": sql.APPROVED_OVERTIME if row["has_approval"] else sql.NO_APPROVED,
        "holidays": row["has_holidays"],
        "assignments": row["has_assignments"],
        "pending": row["has_adjustments"] or row["has_leave"],
    }


def cycle_summary(
    *, cycle: PayrollCycle, member_ids: list[int] | None = None, path: str | None = None
) -> list[dict]:
    """The summary of every member of the cycle's organization (or of `member_ids`), ordered by employee
    number and username. `path` ("sql" / "orm") forces one path (the test that compares them)."""
    path = path or ("sql" if use_sql() else "orm")
    organization = cycle.organization
    if path == "sql":
        raw = sql.rows(member_ids=member_ids, **sql_query(cycle=cycle, member_ids=member_ids))
    else:
        raw = orm.rows(
            organization=organization, start=cycle.start_date, end=cycle.end_date, member_ids=member_ids
        )
    return [shape(row) for row in raw]
