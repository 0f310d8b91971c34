"""The Reports pages of the Admin Center (`/admin-center/reports/`, namespace `admin_reports`): the leave
summary of a year and the attendance summary of a period (apps/attendance/reports, docs/reports.md), with
their filters, tables, a chart drawn as SVG on the server (no script, no inline style: the CSP is strict)
and links to the CSV exports of the API. Admins only (the shell's guard)."""

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.attendance import reports
from apps.core.errors import DomainError

CHART_WIDTH = 360
ROW_HEIGHT = 44  # a label line above each bar
BAR_HEIGHT = 14


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    css: str
    title: str


@dataclass
class Bar:
    label: str
    note: str
    y: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def bar_y(self) -> int:
        return self.y + 22

    @property
    def text_y(self) -> int:
        return self.y + 15


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    legend: list[tuple[str, str]]
    width: int = CHART_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 4

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def _segments(parts: list[tuple[str, str, Decimal | int]], *, scale: Decimal | int) -> list[Segment]:
    """Stacked pieces left to right, `scale` being the full width; empty pieces are left out."""
    segments, x = [], Decimal(0)
    scale = Decimal(scale) or Decimal(1)
    for css, title, value in parts:
        if not value:
            continue
        width = Decimal(value) / scale * CHART_WIDTH
        segments.append(Segment(x=round(float(x), 2), width=round(float(width), 2), css=css, title=title))
        x += width
    return segments


def _number(value) -> str:
    """3.00 -> "3", 2.50 -> "2.5" (figures in a sentence)."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def department_label(name: str) -> str:
    return name or _("No department")


def leave_chart(summary: reports.LeaveSummary) -> Chart:
    """One bar per leave type: taken, pending and remaining as shares of the three together."""
    bars = []
    for n, total in enumerate(summary.totals):
        unit = _("days") if total.unit == "day" else _("hours")
        remaining = total.remaining if total.remaining is not None and total.remaining > 0 else Decimal(0)
        taken, pending = _number(total.taken), _number(total.pending)
        parts = [
            ("rp-taken", _("Taken: %(n)s") % {"n": taken}, total.taken),
            ("rp-pending", _("Pending: %(n)s") % {"n": pending}, total.pending),
            ("rp-remaining", _("Remaining: %(n)s") % {"n": _number(remaining)}, remaining),
        ]
        if total.remaining is None:
            note = _("%(taken)s taken, %(pending)s pending (%(unit)s; no limit)")
        else:
            note = _("%(taken)s taken, %(pending)s pending, %(remaining)s remaining (%(unit)s)")
        note = note % {"taken": taken, "pending": pending, "remaining": _number(remaining), "unit": unit}
        scale = sum((value for _css, _title, value in parts), Decimal(0))
        bars.append(
            Bar(
                label=total.leave_type_label,
                note=note,
                y=n * ROW_HEIGHT,
                segments=_segments(parts, scale=scale),
            )
        )
    legend = [("rp-taken", _("Taken")), ("rp-pending", _("Pending")), ("rp-remaining", _("Remaining"))]
    return Chart(title=_("Leave by type"), bars=bars, legend=legend)


def attendance_chart(summary: reports.AttendanceSummary) -> Chart:
    """One bar per department: days late, days leaving early, absences and days on leave, on one scale."""
    kinds = [
        ("rp-late", _("Late"), "late_count"),
        ("rp-early", _("Left early"), "early_leave_count"),
        ("rp-absent", _("Absent"), "absences"),
        ("rp-leave", _("On leave"), "leave_days"),
    ]
    scale = max((sum(getattr(d, attr) for _c, _l, attr in kinds) for d in summary.departments), default=0)
    bars = []
    for n, department in enumerate(summary.departments):
        parts = [
            (css, f"{label}: {getattr(department, attr)}", getattr(department, attr))
            for css, label, attr in kinds
        ]
        note = _("%(hours)s hours worked; late %(late)s, left early %(early)s, absent %(absent)s, on leave %(leave)s") % {
            "hours": _number(department.worked_hours),
            "late": department.late_count,
            "early": department.early_leave_count,
            "absent": department.absences,
            "leave": department.leave_days,
        }  # fmt: skip
        bars.append(
            Bar(
                label=department_label(department.department),
                note=note,
                y=n * ROW_HEIGHT,
                segments=_segments(parts, scale=scale),
            )
        )
    return Chart(title=_("Days late, left early, absent and on leave by department"), bars=bars,
                 legend=[(css, label) for css, label, _attr in kinds])  # fmt: skip


def _export_url(name: str, params: dict) -> str:
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{reverse(name)}?{urlencode({**query, 'bom': '1'})}"


def _report_page(
    request,
    admin: Membership,
    *,
    report: reports.Report,
    template: str,
    asked_names: tuple[str, ...],
    chart,
    export_name: str,
    shown,
) -> HttpResponse:
    """A report's page: the filters as asked, the report (or the refusal of a bad filter, in words, with its
    status), its chart and the link to its CSV with the filters as applied (`shown(summary)`)."""
    asked = {name: request.GET.get(name, "").strip() for name in asked_names}
    context = {
        "asked": asked,
        "departments": reports.departments_for(viewer=admin),
        "summary": None,
        "error": "",
    }
    try:
        summary = report.run(request.GET, viewer=admin)
    except DomainError as error:
        context["error"] = error.message
        return render(request, template, context, status=error.status_code)
    asked.update(shown(summary))
    context.update(summary=summary, chart=chart(summary), export_url=_export_url(export_name, asked))
    return render(request, template, context)


@require_GET
@admin_page
def leave_summary(request: HttpRequest, admin: Membership) -> HttpResponse:
    return _report_page(
        request,
        admin,
        report=reports.LEAVE_SUMMARY,
        template="admin_center/reports_leave.html",
        asked_names=("year", "department", "member"),
        chart=leave_chart,
        export_name="attendance-reports-leave-summary-export",
        shown=lambda summary: {"year": str(summary.year)},
    )


@require_GET
@admin_page
def attendance_summary(request: HttpRequest, admin: Membership) -> HttpResponse:
    return _report_page(
        request,
        admin,
        report=reports.ATTENDANCE_SUMMARY,
        template="admin_center/reports_attendance.html",
        asked_names=("from", "to", "department"),
        chart=attendance_chart,
        export_name="attendance-reports-attendance-summary-export",
        shown=lambda summary: {"from": summary.start.isoformat(), "to": summary.end.isoformat()},
    )
