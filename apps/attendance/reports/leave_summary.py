"""The leave summary of a year: per member and leave type, taken, pending and remaining."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.access.models import Membership
from apps.attendance.models import LeaveLedgerEntry, LeaveRequest, LeaveType, RequestStatus
from apps.attendance.models.localized import in_viewers_language
from apps.attendance.reports.params import member_scope, read_department, read_member, read_year

ZERO = Decimal("0.00")
AMOUNT = DecimalField(max_digits=12, decimal_places=2)
TAKEN_KINDS = (LeaveLedgerEntry.Kind.USAGE, LeaveLedgerEntry.Kind.REVERSAL)


@dataclass(frozen=True)
class LeaveSummaryRow:
    member_id: int
    username: str
    employee_no: str
    name: str
    department: str
    leave_type_code: str
    leave_type_name: str
    unit: str
    unlimited: bool
    taken: Decimal
    pending: Decimal
    remaining: Decimal | None
    leave_type_name_zh: str = ""

    @property
    def leave_type_label(self) -> str:
        """The leave type's name in the viewer's language (the API and the export keep `leave_type_name`)."""
        return in_viewers_language(self.leave_type_name, self.leave_type_name_zh)


@dataclass(frozen=True)
class LeaveTypeTotal:
    leave_type_code: str
    leave_type_name: str
    unit: str
    unlimited: bool
    members: int
    taken: Decimal
    pending: Decimal
    remaining: Decimal | None
    leave_type_name_zh: str = ""

    @property
    def leave_type_label(self) -> str:
        return in_viewers_language(self.leave_type_name, self.leave_type_name_zh)


@dataclass(frozen=True)
class LeaveSummary:
    year: int
    department: str | None
    member: Membership | None
    rows: list[LeaveSummaryRow]
    totals: list[LeaveTypeTotal] = field(default_factory=list)


def _sum_of(queryset: QuerySet, expression) -> Coalesce:
    """A correlated subquery: the sum of `expression` over `queryset` (one row: it is grouped by nothing
    it does not filter on), 0 when there is none."""
    summed = queryset.order_by().values("member_id").annotate(total=Sum(expression)).values("total")
    return Coalesce(Subquery(summed, output_field=AMOUNT), Value(ZERO), output_field=AMOUNT)


def leave_summary_rows(
    *, viewer: Membership, year: int, department: str | None = None, member: Membership | None = None
) -> QuerySet:
    """One row per member in scope and leave type of the organization: `taken` (approved leave starting in
    the year: the negated usage and reversal entries dated in it), `pending` (pending requests starting in
    it), `balance` (the ledger up to the year's last day). One query: leave types joined to the
    organization's members, three correlated sums. A deactivated type or member appears only with leave
    taken or pending in the year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    pair = {"member_id": OuterRef("member_pk"), "leave_type_id": OuterRef("pk")}
    ledger = LeaveLedgerEntry.objects.filter(**pair)
    requests = LeaveRequest.objects.filter(**pair, start_date__range=(first, last))
    return (
        LeaveType.objects.for_org(viewer.organization)
        .annotate(
            member_pk=F("organization__memberships__id"),
            member_active=F("organization__memberships__is_active"),
            username=F("organization__memberships__user__username"),
            employee_no=F("organization__memberships__employee_no"),
            display_name=F("organization__memberships__display_name"),
            department=F("organization__memberships__department"),
        )
        .filter(member_pk__in=member_scope(viewer, department, member).values("pk"))
        .annotate(
            taken=-_sum_of(
                ledger.filter(kind__in=TAKEN_KINDS, effective_date__range=(first, last)), "amount"
            ),
            pending=_sum_of(requests.filter(status=RequestStatus.PENDING), "amount"),
            balance=_sum_of(ledger.filter(effective_date__lte=last), "amount"),
        )
        .filter(Q(is_active=True, member_active=True) | ~Q(taken=0) | ~Q(pending=0))
        .order_by("department", "employee_no", "username", "name", "code")
        .values(
            "member_pk",
            "username",
            "employee_no",
            "display_name",
            "department",
            "code",
            "name",
            "name_zh",
            "unit",
            "allow_negative",
            "yearly_allowance",
            "taken",
            "pending",
            "balance",
        )
    )


def _leave_row(values: dict) -> LeaveSummaryRow:
    unlimited = values["allow_negative"] and not values["yearly_allowance"]
    return LeaveSummaryRow(
        member_id=values["member_pk"],
        username=values["username"],
        employee_no=values["employee_no"],
        name=values["display_name"] or values["username"],
        department=values["department"],
        leave_type_code=values["code"],
        leave_type_name=values["name"],
        leave_type_name_zh=values["name_zh"],
        unit="hour" if values["unit"] == LeaveType.Unit.HOUR else "day",
        unlimited=unlimited,
        taken=_amount(values["taken"]),
        pending=_amount(values["pending"]),
        remaining=None if unlimited else _amount(values["balance"]),
    )


def _amount(value) -> Decimal:
    return Decimal(value or 0).quantize(ZERO)


def leave_summary_params(params: Mapping, *, viewer: Membership) -> dict:
    """`year` (default: this year), `department`, `member` (username or employee number) read from a query
    string: 400 for a bad year or an unknown department, 404 for a member outside the viewer's scope."""
    return {
        "year": read_year(params, viewer),
        "department": read_department(params, viewer),
        "member": read_member(params, viewer),
    }


def leave_summary(
    *, viewer: Membership, year: int, department: str | None = None, member: Membership | None = None
) -> LeaveSummary:
    rows = [
        _leave_row(values)
        for values in leave_summary_rows(viewer=viewer, year=year, department=department, member=member)
    ]
    by_type: dict[str, list[LeaveSummaryRow]] = {}
    for row in rows:
        by_type.setdefault(row.leave_type_code, []).append(row)
    totals = [
        LeaveTypeTotal(
            leave_type_code=code,
            leave_type_name=group[0].leave_type_name,
            leave_type_name_zh=group[0].leave_type_name_zh,
            unit=group[0].unit,
            unlimited=group[0].unlimited,
            members=len(group),
            taken=sum((row.taken for row in group), ZERO),
            pending=sum((row.pending for row in group), ZERO),
            remaining=None if group[0].unlimited else sum((row.remaining for row in group), ZERO),
        )
        for code, group in by_type.items()
    ]
    ordered = sorted(totals, key=lambda total: (total.leave_type_name, total.leave_type_code))
    return LeaveSummary(year=year, department=department, member=member, rows=rows, totals=ordered)
