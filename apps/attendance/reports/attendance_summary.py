"""The attendance summary of a period: per member and department, worked hours, lateness, leaving early,
absences and leave."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from apps.access.models import Membership
from apps.attendance.filters import date_range
from apps.attendance.models import DailyRecord
from apps.attendance.reports.params import member_scope, read_date, read_department
from apps.attendance.services._common import local_today

ZERO = Decimal("0.00")

FIGURES = (
    "days",
    "worked_minutes",
    "late_count",
    "late_minutes",
    "early_leave_count",
    "early_leave_minutes",
    "absences",
    "leave_days",
)


@dataclass(frozen=True, kw_only=True)
class AttendanceFigures:
    days: int = 0
    worked_minutes: int = 0
    late_count: int = 0
    late_minutes: int = 0
    early_leave_count: int = 0
    early_leave_minutes: int = 0
    absences: int = 0
    leave_days: int = 0

    @property
    def worked_hours(self) -> Decimal:
        return (Decimal(self.worked_minutes) / 60).quantize(ZERO)

    @property
    def figures(self) -> "AttendanceFigures":
        return AttendanceFigures(**{name: getattr(self, name) for name in FIGURES})

    def __add__(self, other: "AttendanceFigures") -> "AttendanceFigures":
        return AttendanceFigures(**{name: getattr(self, name) + getattr(other, name) for name in FIGURES})


@dataclass(frozen=True, kw_only=True)
class AttendanceSummaryRow(AttendanceFigures):
    member_id: int
    username: str
    employee_no: str
    name: str
    department: str


@dataclass(frozen=True, kw_only=True)
class DepartmentTotal(AttendanceFigures):
    department: str
    members: int


@dataclass(frozen=True, kw_only=True)
class AttendanceTotal(AttendanceFigures):
    members: int


@dataclass(frozen=True)
class AttendanceSummary:
    start: date
    end: date
    counted_until: date | None
    department: str | None
    rows: list[AttendanceSummaryRow]
    departments: list[DepartmentTotal]
    totals: AttendanceTotal


def attendance_summary_rows(
    *, viewer: Membership, start: date, end: date, department: str | None = None
) -> QuerySet:
    """Per member in scope: days counted, worked minutes, days late and minutes late, days leaving early
    and those minutes, absences and days on leave, over the records of start..end. One query (the members
    joined to their records, conditional aggregates). A deactivated member appears only with records."""
    on = Q(daily_records__work_date__range=(start, end))
    status = DailyRecord.Status

    def total(column: str):
        return Coalesce(Sum(f"daily_records__{column}", filter=on), 0, output_field=IntegerField())

    def days(condition: Q):
        return Count("daily_records", filter=on & condition)

    return (
        member_scope(viewer, department, None)
        .annotate(
            days=days(Q()),
            worked_minutes=total("worked_minutes"),
            late_count=days(Q(daily_records__late_minutes__gt=0)),
            late_minutes=total("late_minutes"),
            early_leave_count=days(Q(daily_records__early_leave_minutes__gt=0)),
            early_leave_minutes=total("early_leave_minutes"),
            absences=days(Q(daily_records__status=status.ABSENT)),
            leave_days=days(Q(daily_records__status=status.LEAVE)),
        )
        .filter(Q(is_active=True) | Q(days__gt=0))
        .order_by("department", "employee_no", "user__username", "id")
        .values("id", "user__username", "employee_no", "display_name", "department", *FIGURES)
    )


def attendance_summary_params(params: Mapping, *, viewer: Membership) -> dict:
    """`from`, `to` (default: this month up to today; at most 366 days), `department`."""
    start, end = date_range(read_date(params, "from"), read_date(params, "to"), today=local_today(viewer))
    return {"start": start, "end": end, "department": read_department(params, viewer)}


def attendance_summary(
    *, viewer: Membership, start: date, end: date, department: str | None = None
) -> AttendanceSummary:
    """Only days that are over count: the records of start..end before today (the organization's); today
    and later days are left out (`counted_until` is the last day counted, None when none is)."""
    counted_until = min(end, local_today(viewer) - timedelta(days=1))
    # Nothing is over yet: the members with nothing counted (an empty range matches no record).
    until = max(counted_until, start - timedelta(days=1))
    rows = [
        AttendanceSummaryRow(
            member_id=values["id"],
            username=values["user__username"],
            employee_no=values["employee_no"],
            name=values["display_name"] or values["user__username"],
            department=values["department"],
            **{name: values[name] or 0 for name in FIGURES},
        )
        for values in attendance_summary_rows(viewer=viewer, start=start, end=until, department=department)
    ]
    by_department: dict[str, tuple[int, AttendanceFigures]] = {}
    for row in rows:
        members, figures = by_department.get(row.department, (0, AttendanceFigures()))
        by_department[row.department] = (members + 1, figures + row.figures)
    totals = sum((row.figures for row in rows), AttendanceFigures())
    return AttendanceSummary(
        start=start,
        end=end,
        counted_until=counted_until if counted_until >= start else None,
        department=department,
        rows=rows,
        departments=[
            DepartmentTotal(department=name, members=members, **asdict(figures))
            for name, (members, figures) in by_department.items()
        ],
        totals=AttendanceTotal(members=len(rows), **asdict(totals)),
    )
