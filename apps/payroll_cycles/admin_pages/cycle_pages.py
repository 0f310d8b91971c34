"""One cycle (`/admin-center/payroll/cycles/<id>/`): what stands before its lock and close (readiness) with
the moves its state allows, its summary table (sorted, paged, exported), its anomalies, and what changed
between two closes."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.attendance.labels import RECORD_STATUS
from apps.attendance.models import LeaveType
from apps.core.errors import DomainError
from apps.payroll_cycles import anomalies, labels, readiness, selectors, services
from apps.payroll_cycles.admin_pages.cycles import cycle_or_404
from apps.payroll_cycles.admin_pages.forms import new_key
from apps.payroll_cycles.models import CycleTransition, PayrollCycle
from apps.payroll_cycles.services.anomaly_resolve import anomalies_resolve
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
        "keys": {action: new_key() for action in services.CYCLE_ACTIONS},
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
        "settleable": any(item["state"] == "open" for item in items) and not cycle.is_frozen,
        "leave_types": LeaveType.objects.for_org(admin.organization).filter(is_active=True).order_by("name"),
        "settle_key": new_key(),
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


# What a batch resolve's item result says on the page, by code (the service's messages name API fields).
ITEM_REFUSAL = {
    "NOT_FOUND": gettext_lazy("this person is not in your organization"),
    "DUPLICATE_ITEM": gettext_lazy("listed twice"),
    "NOT_AN_ANOMALY": gettext_lazy("nothing to settle on this day any more"),
    "REQUEST_PENDING": gettext_lazy("a request for this day is already waiting for a decision"),
    "PERIOD_LOCKED": gettext_lazy("the day is in a locked period"),
    "LEAVE_TYPE_UNKNOWN": gettext_lazy("choose a leave type to settle an absence"),
    "VALIDATION_ERROR": gettext_lazy("it cannot be settled from here; ask the person to send the request"),
}
SHOWN_REFUSALS = 10
MAX_SETTLE = 1000


@require_POST
@admin_page
def anomalies_settle(request: HttpRequest, admin: Membership, cycle_id: int) -> HttpResponse:
    """Settle the ticked anomalies: one request each (the one the list suggests), approved at once when asked."""
    cycle = cycle_or_404(admin, cycle_id)
    back = redirect("admin_payroll:cycle-anomalies", cycle_id=cycle.pk)
    records = {
        r.pk: r
        for r in anomalies.anomalies_for(
            viewer=admin, start=cycle.start_date, end=cycle.end_date, member=None, owed_punch=False
        ).filter(pk__in=[int(v) for v in request.POST.getlist("record") if v.isdigit()][:MAX_SETTLE])
    }
    if not records:
        messages.error(request, _("Tick the days to settle first."))
        return back
    items = [{"member": r.member_id, "date": r.work_date.isoformat()} for r in records.values()]
    try:
        answer, _replayed = anomalies_resolve(
            actor=admin,
            items=items,
            idempotency_key=request.POST.get("idempotency_key", ""),
            approve=request.POST.get("approve") == "on",
            reason=request.POST.get("reason", "")[:500],
            leave_type=request.POST.get("leave_type", ""),
        )
    except DomainError as error:
        messages.error(request, labels.refusal_message(error))
        return back
    done = answer["created"] + answer["approved"]
    if answer["approved"]:
        text = ngettext(
            "%(n)s day settled: its request is approved.",
            "%(n)s days settled: their requests are approved.",
            done,
        )
    else:
        text = ngettext("%(n)s request sent to the approver.", "%(n)s requests sent to the approvers.", done)
    if done:
        messages.success(request, text % {"n": done})
    names = {r.member_id: r.member.name for r in records.values()}
    refused = [r for r in answer["results"] if r["result"] in ("skipped", "error")]
    for result in refused[:SHOWN_REFUSALS]:
        why = str(ITEM_REFUSAL.get(result["code"]) or result["message"]).rstrip(".")
        messages.warning(
            request,
            _("%(name)s, %(day)s: %(why)s.")
            % {"name": names.get(result["member"], ""), "day": result["date"], "why": why},
        )
    if len(refused) > SHOWN_REFUSALS:
        messages.warning(request, _("… and %(n)s more not settled.") % {"n": len(refused) - SHOWN_REFUSALS})
    return back
