"""One cycle (`/admin-center/payroll/cycles/<id>/`): what stands before its lock and close (readiness) with
the moves its state allows, its summary table (sorted, paged, exported), its anomalies, and what changed
between two closes."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.attendance.labels import RECORD_STATUS
from apps.attendance.models import LeaveType
from apps.payroll_cycles import anomalies, labels, readiness, selectors
from apps.payroll_cycles.admin_pages.cycles import cycle_or_404
from apps.payroll_cycles.admin_pages.forms import new_key
from apps.payroll_cycles.models import CycleTransition, PayrollCycle
from apps.payroll_cycles.summary import cycle_summary
from apps.payroll_cycles.summary.sql import ANOMALY_STATUSES

SUMMARY_PAGE = 50
ANOMALY_PAGE = 50
# ?sort= on the summary page: the column's key -> the summary row's figure.
SORTABLE = {
    "employee": "employee_no",
    "name": "name",
    "days": "total_days",
    "worked": "worked_minutes",
    "regular": "regular_minutes",
    "overtime": "overtime_minutes",
    "weighted": "weighted_overtime_minutes",
    "late": "late_minutes",
    "early": "early_leave_minutes",
    "leave": "leave_minutes",
    "absent": "absent_days",
    "anomalies": "open_anomalies",
}
Status = PayrollCycle.Status


def _base(cycle: PayrollCycle, tab: str) -> dict:
    return {"cycle": cycle, "tab": tab}


@require_GET
@admin_page
def overview(request: HttpRequest, admin: Membership, cycle_id: int) -> HttpResponse:
    cycle = cycle_or_404(admin, cycle_id)
    ready = readiness.cycle_readiness(cycle=cycle) if cycle.status in (Status.OPEN, Status.LOCKED) else None
    if ready is not None:
        by_kind = ready["open_anomalies"]["by_kind"]
        ready["kinds"] = [(kind, by_kind.get(kind, 0)) for kind in ANOMALY_STATUSES if by_kind.get(kind)]
        pending = ready["pending_requests"]
        ready["pending_total"] = sum(pending.values())
        ready["pending"] = [
            (labels.PENDING_KIND.get(kind, labels.PENDING_OTHER), n) for kind, n in pending.items() if n
        ]
    transitions = (
        CycleTransition.objects.for_org(admin.organization)
        .filter(cycle=cycle)
        .select_related("actor__user")
        .order_by("-created_at", "-id")
    )
    context = {
        **_base(cycle, "overview"),
        "ready": ready,
        "transitions": transitions,
        "keys": {action: new_key() for action in ("lock", "unlock", "close", "reopen", "archive")},
        "org_tz": admin.organization.tzinfo,
    }
    return render(request, "payroll_cycles/admin/cycle.html", context)


def _sort(request: HttpRequest) -> tuple[str, bool]:
    raw = request.GET.get("sort", "")
    key = raw.lstrip("-")
    if key not in SORTABLE:
        return "", False
    return key, raw.startswith("-")


def _summary_rows(admin: Membership, cycle: PayrollCycle, request: HttpRequest, key: str, descending: bool):
    """One page of summary rows. Unsorted, only the page's members are computed (by employee number); a
    sort computes everyone's and sorts them, as the API does."""
    members = selectors.summary_members(viewer=admin)
    if not key:
        page = Paginator(members.values_list("pk", flat=True), SUMMARY_PAGE).get_page(request.GET.get("page"))
        rows = cycle_summary(cycle=cycle, member_ids=list(page.object_list))
        return page, rows
    rows = cycle_summary(cycle=cycle, member_ids=list(members.values_list("pk", flat=True)))
    field = SORTABLE[key]
    rows.sort(
        key=lambda row: (row[field] if row[field] is not None else "", row["employee_no"], row["username"]),
        reverse=descending,
    )
    page = Paginator(rows, SUMMARY_PAGE).get_page(request.GET.get("page"))
    return page, list(page.object_list)


@require_GET
@admin_page
def summary(request: HttpRequest, admin: Membership, cycle_id: int) -> HttpResponse:
    cycle = cycle_or_404(admin, cycle_id)
    key, descending = _sort(request)
    page, rows = _summary_rows(admin, cycle, request, key, descending)
    columns = []
    for column in SORTABLE:
        if column == key:
            following, aria = (
                (column if descending else f"-{column}"),
                ("descending" if descending else "ascending"),
            )
        else:
            following, aria = column, ""
        columns.append({"key": column, "sort": following, "aria": aria})
    context = {
        **_base(cycle, "summary"),
        "page": page,
        "rows": rows,
        "columns": {c["key"]: c for c in columns},
        "sort": f"-{key}" if descending else key,
        "export_url": reverse("payroll-cycle-summary-export", args=[cycle.pk]) + "?bom=1",
    }
    return render(request, "payroll_cycles/admin/cycle_summary.html", context)


@require_GET
@admin_page
def anomaly_list(request: HttpRequest, admin: Membership, cycle_id: int) -> HttpResponse:
    cycle = cycle_or_404(admin, cycle_id)
    owed_punch = request.GET.get("filter") == "owed_punch"
    records = anomalies.anomalies_for(
        viewer=admin, start=cycle.start_date, end=cycle.end_date, member=None, owed_punch=owed_punch
    )
    page = Paginator(records, ANOMALY_PAGE).get_page(request.GET.get("page"))
    items = anomalies.describe(list(page.object_list))
    users = {r.member_id: r.member.user_id for r in page.object_list}
    for item in items:
        item["user_id"] = users[item["member_id"]]
    context = {
        **_base(cycle, "anomalies"),
        "page": page,
        "items": items,
        "owed_punch": owed_punch,
        "org_tz": admin.organization.tzinfo,
    }
    return render(request, "payroll_cycles/admin/cycle_anomalies.html", context)


def _value(field: str, value) -> str:
    if value is None:
        return "-"
    return labels.hours(value) if field in labels.MINUTE_FIGURES else str(value)


def _change_rows(changes: dict, leave_names: dict) -> list[dict]:
    """One line per figure that moved; days by status and leave by type one line per status / type."""
    rows = []
    for field, change in changes.items():
        before, after = change["before"], change["after"]
        if field == "counts":
            before, after = before or {}, after or {}
            for status in sorted(set(before) | set(after)):
                if before.get(status, 0) != after.get(status, 0):
                    rows.append(
                        {
                            "label": f"{labels.FIGURE['counts']}: {RECORD_STATUS.get(status, status)}",
                            "before": str(before.get(status, 0)),
                            "after": str(after.get(status, 0)),
                        }
                    )
        elif field == "leave_by_type":
            old = {item["code"]: item["minutes"] for item in before or []}
            new = {item["code"]: item["minutes"] for item in after or []}
            for code in sorted(set(old) | set(new)):
                if old.get(code, 0) != new.get(code, 0):
                    rows.append(
                        {
                            "label": f"{labels.FIGURE['leave']}: {leave_names.get(code, code)}",
                            "before": labels.hours(old.get(code, 0)),
                            "after": labels.hours(new.get(code, 0)),
                        }
                    )
        else:
            rows.append(
                {
                    "label": str(labels.FIGURE.get(field, field)),
                    "before": _value(field, before),
                    "after": _value(field, after),
                }
            )
    return rows


@require_GET
@admin_page
def changes(request: HttpRequest, admin: Membership, cycle_id: int) -> HttpResponse:
    cycle = cycle_or_404(admin, cycle_id)
    diff = readiness.cycle_changes(cycle=cycle)
    leave_names = dict(LeaveType.objects.for_org(admin.organization).values_list("code", "name"))
    members = [
        {
            **member,
            "rows": _change_rows(member["changes"], leave_names),
            "entries": [
                {**entry, "work_date": (entry.get("details") or {}).get("workDate")}
                for entry in member["entries"]
            ],
        }
        for member in diff["members"]
    ]
    context = {
        **_base(cycle, "changes"),
        "diff": diff,
        "members": members,
        "org_tz": admin.organization.tzinfo,
    }
    return render(request, "payroll_cycles/admin/cycle_changes.html", context)
