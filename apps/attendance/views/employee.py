"""The employee page `/attendance/`: my month, clock in / out, adjustment and leave requests, balances.

The page is made of sections (`today`, `month`, `requests`, `balances`, and the two forms). With htmx a
write answers with the section it changed and fires an event (`records-changed`, `requests-changed`,
`balances-changed`) on which the other sections fetch themselves again (`HX-Target` names the section).
Without JavaScript every form posts the whole page and is redirected back (or re-rendered with errors).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.access import roles
from apps.access.models import Membership
from apps.attendance import hooks, selectors, services
from apps.attendance import labels as text
from apps.attendance.calendar import WorkCalendar
from apps.attendance.forms import AdjustmentForm, LeaveForm, OvertimeForm, PunchForm
from apps.attendance.models import AttendancePolicy, Punch
from apps.attendance.views import month as months
from apps.attendance.views._common import fetch_or_404, htmx_partial, member_with, vary_on_htmx
from apps.attendance.views.feeds import feeds_context
from apps.core.errors import DomainError
from apps.core.request_context import client_ip

RECENT_REQUESTS = 10
SECTION_TEMPLATES = {
    "today": "attendance/_today.html",
    "month": "attendance/_month.html",
    "requests": "attendance/_requests.html",
    "balances": "attendance/_balances.html",
}


# --- what each section shows ------------------------------------------------------------------------


def _today_context(
    member: Membership, *, feedback: tuple[str, str] | None = None, calendar: WorkCalendar | None = None
) -> dict:
    """Today's shift, punches and state, a running timer while clocked in, and this week's hours. One
    calendar for the week (three queries) judges today and gives its shift; one query the week's records."""
    now = timezone.now()
    tzinfo = member.organization.tzinfo
    today = timezone.localdate(now, tzinfo)
    week = months.week_of(today)
    if calendar is None or not calendar.covers(member_ids=[member.pk], start=week[0], end=week[-1]):
        calendar = selectors.member_calendar(member=member, start=week[0], end=week[-1])
    records = selectors.records_judge(
        selectors.records_for(viewer=member, start=week[0], end=week[-1], member=member),
        organization=member.organization,
        now=now,
        calendar=calendar,
    )
    record = next((r for r in records if r.work_date == today), None)
    punches = list(selectors.punches_for(viewer=member, start=today, end=today, member=member))
    next_kind = Punch.Kind.OUT if punches and punches[-1].kind == Punch.Kind.IN else Punch.Kind.IN
    schedule = calendar.day(member.pk, today)
    shift_start, shift_end = schedule.shift.bounds(today, tzinfo) if schedule.shift else (None, None)
    # While clocked in: time since the first check-in of the day, what the bar shows "so far"; the timer
    # counts from the last check-in (the current stretch).
    running_since = punches[-1].occurred_at if next_kind == Punch.Kind.OUT else None
    first_in = next((p.occurred_at for p in punches if p.kind == Punch.Kind.IN), None)
    running = int((now - first_in).total_seconds() // 60) if running_since and first_in else 0
    return {
        "today": today,
        "today_record": record,
        "today_punches": punches,
        "today_schedule": schedule,
        "shift_start": shift_start,
        "shift_end": shift_end,
        "running_since": running_since,
        "running_seconds": int((now - running_since).total_seconds()) if running_since else 0,
        "running_since_epoch": int(running_since.timestamp()) if running_since else 0,
        "server_epoch": int(now.timestamp()),
        "week_chart": months.week_chart(
            days=week, worked={r.work_date: r.worked_minutes for r in records}, today=today, running=running
        ),
        "next_kind": next_kind,
        "punch_form": PunchForm(initial={"kind": next_kind}),
        "geofenced": calendar.policy.geofence != AttendancePolicy.Geofence.OFF,
        "feedback": feedback,
        "org_tz": tzinfo,
    }


def _month_context(member: Membership, first, *, calendar: WorkCalendar | None = None) -> dict:
    end = months.month_end(first)
    organization = member.organization
    now = timezone.now()
    if calendar is None or not calendar.covers(member_ids=[member.pk], start=first, end=end):
        calendar = selectors.member_calendar(member=member, start=first, end=end)
    records = selectors.records_for(viewer=member, start=first, end=end, member=member)
    judged = selectors.records_judge(records, organization=organization, now=now, calendar=calendar)
    summary = selectors.judged_summary(judged)
    workdays = frozenset(
        day.work_date
        for day in selectors.member_schedule(member=member, start=first, end=end, calendar=calendar)
        if day.is_workday
    )
    return {
        "month": first,
        "month_param": f"{first:%Y-%m}",
        "previous_month": f"{months.previous_month(first):%Y-%m}",
        "next_month": f"{months.next_month(first):%Y-%m}",
        "cells": months.month_cells(
            first=first,
            records=judged,
            today=services.local_today(member),
            leave=list(selectors.leave_on_calendar(member=member, start=first, end=end)),
            workdays=workdays,
        ),
        "first_weekday": first.isoweekday(),
        "weekdays": months.week_of(first),
        "org_tz": member.organization.tzinfo,
        "summary": summary,
        "summary_statuses": [
            (code, label, summary.by_status.get(code, 0))
            for code, label in text.RECORD_STATUS.items()
            if summary.by_status.get(code)
        ],
        "legend": text.RECORD_STATUS_SHOWN,
    }


def _requests_context(member: Membership, *, notice: tuple[str, str] | None = None) -> dict:
    adjustments = selectors.adjustment_requests_for(viewer=member)[:RECENT_REQUESTS]
    leave = selectors.leave_requests_for(viewer=member)[:RECENT_REQUESTS]
    overtime = selectors.overtime_requests_for(viewer=member)[:RECENT_REQUESTS]
    rows = (
        [("adjustment", r) for r in adjustments]
        + [("leave", r) for r in leave]
        + [("overtime", r) for r in overtime]
    )
    rows.sort(key=lambda row: (row[1].created_at, row[1].pk), reverse=True)
    return {"my_requests": rows, "requests_notice": notice, "org_tz": member.organization.tzinfo}


def _balances_context(member: Membership) -> dict:
    return {"balances": selectors.leave_balances(member=member)}


def _leave_form(member: Membership, data=None, *, leave_types=None) -> LeaveForm:
    if leave_types is None:
        leave_types = list(selectors.leave_types_for(viewer=member))
    return LeaveForm(data, leave_types=leave_types)


def _page(request: HttpRequest, member: Membership, *, status: int = 200, **forms) -> HttpResponse:
    today = services.local_today(member)
    first = months.parse_month(request.GET.get("month", ""), today)
    week = months.week_of(today)
    # One calendar for the month shown and this week when they are near (the usual case: this month).
    start, end = min(first, week[0]), max(months.month_end(first), week[-1])
    shared = (
        selectors.member_calendar(member=member, start=start, end=end) if (end - start).days < 62 else None
    )
    balances = _balances_context(member)
    context = {
        "member": member,
        "can_write": member.can(roles.WRITE),
        **_today_context(member, calendar=shared),
        **_month_context(member, first, calendar=shared),
        **_requests_context(member),
        **balances,
        **feeds_context(request, member),
        "extra_cards": hooks.employee_cards(member),
        "adjustment_form": forms.get("adjustment_form") or AdjustmentForm(),
        "overtime_form": forms.get("overtime_form") or OvertimeForm(),
        "leave_form": forms.get("leave_form")
        or _leave_form(member, leave_types=[b.leave_type for b in balances["balances"]]),
    }
    return render(request, "attendance/home.html", context, status=status)


def _section(request: HttpRequest, member: Membership, name: str) -> HttpResponse:
    if name == "today":
        context = _today_context(member)
    elif name == "month":
        context = _month_context(
            member, months.parse_month(request.GET.get("month", ""), services.local_today(member))
        )
    elif name == "requests":
        context = _requests_context(member)
    else:
        context = _balances_context(member)
    context["can_write"] = member.can(roles.WRITE)
    return render(request, SECTION_TEMPLATES[name], context)


def _home_url(anchor: str = "") -> str:
    return reverse("attendance:home") + (f"#{anchor}" if anchor else "")


# --- views --------------------------------------------------------------------------------------------


@require_GET
@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where signing in (and `/`) leads: approvers to their inbox, everyone else to their own page."""
    member = member_with(request, roles.READ)
    target = "attendance:approvals" if member.can(roles.APPROVE) else "attendance:home"
    return HttpResponseRedirect(reverse(target))


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.READ)
    target = request.htmx.target if htmx_partial(request) else None
    if target in SECTION_TEMPLATES:
        return vary_on_htmx(_section(request, member, target))
    card = hooks.employee_card(target)
    if card is not None:  # a card of a higher app fetching itself again
        return vary_on_htmx(render(request, card.template, {"card": card.context(member)}))
    return vary_on_htmx(_page(request, member))


@require_POST
@login_required
def punch(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.WRITE)
    form = PunchForm(request.POST)
    status, changed = 200, False
    if not form.is_valid():
        feedback, status = ("error", _("The clock form was incomplete. Reload the page and try again.")), 400
    else:
        try:
            outcome = services.punch_create(
                member=member,
                kind=form.cleaned_data["kind"],
                source=Punch.Source.WEB,
                ip=client_ip(request) or None,
                location=form.location(),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as error:
            feedback, status = ("error", error.message), error.status_code
        else:
            moment = timezone.localtime(outcome.obj.occurred_at, member.organization.tzinfo)
            message = (
                _("Clocked in at %(time)s.")
                if outcome.obj.kind == Punch.Kind.IN
                else _("Clocked out at %(time)s.")
            )
            feedback, changed = ("success", message % {"time": f"{moment:%H:%M}"}), True
    if not htmx_partial(request):
        messages.add_message(request, messages.SUCCESS if changed else messages.ERROR, feedback[1])
        return HttpResponseRedirect(_home_url())
    response = render(
        request, "attendance/_today.html", _today_context(member, feedback=feedback), status=status
    )
    return trigger_client_event(response, "records-changed") if changed else response


@require_POST
@login_required
def adjustment_create(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.WRITE)
    form = AdjustmentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.adjustment_request_create(
                member=member, **form.service_arguments(member.organization.tzinfo)
            )
        except DomainError as error:
            form.add_service_error(error)
            status = error.status_code
        else:
            notice = _("Your adjustment request was sent to your approver.")
            if not htmx_partial(request):
                messages.success(request, notice)
                return HttpResponseRedirect(_home_url("requests"))
            response = render(
                request,
                "attendance/_adjustment_form.html",
                {"adjustment_form": AdjustmentForm(), "notice": notice},
            )
            return trigger_client_event(response, "requests-changed")
    if htmx_partial(request):
        return render(request, "attendance/_adjustment_form.html", {"adjustment_form": form}, status=status)
    return _page(request, member, status=status, adjustment_form=form)


@require_POST
@login_required
def overtime_create(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.WRITE)
    form = OvertimeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.overtime_request_create(member=member, **form.service_arguments())
        except DomainError as error:
            form.add_service_error(error)
            status = error.status_code
        else:
            notice = _("Your overtime request was sent to your approver.")
            if not htmx_partial(request):
                messages.success(request, notice)
                return HttpResponseRedirect(_home_url("overtime-form"))
            response = render(
                request, "attendance/_overtime_form.html", {"overtime_form": OvertimeForm(), "notice": notice}
            )
            return trigger_client_event(response, "requests-changed")
    if htmx_partial(request):
        return render(request, "attendance/_overtime_form.html", {"overtime_form": form}, status=status)
    return _page(request, member, status=status, overtime_form=form)


@require_POST
@login_required
def leave_create(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.WRITE)
    form = _leave_form(member, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.leave_request_create(member=member, **form.service_arguments())
        except DomainError as error:
            form.add_service_error(error)
            status = error.status_code
        else:
            notice = _("Your leave request was sent to your approver.")
            if not htmx_partial(request):
                messages.success(request, notice)
                return HttpResponseRedirect(_home_url("requests"))
            context = {
                "leave_form": _leave_form(member, leave_types=list(form.leave_types.values())),
                "notice": notice,
            }
            response = render(request, "attendance/_leave_form.html", context)
            return trigger_client_event(
                trigger_client_event(response, "requests-changed"), "balances-changed"
            )
    if htmx_partial(request):
        return render(request, "attendance/_leave_form.html", {"leave_form": form}, status=status)
    return _page(request, member, status=status, leave_form=form)


CANCELLERS = {
    "adjustment": (selectors.adjustment_request_get, services.adjustment_request_cancel),
    "leave": (selectors.leave_request_get, services.leave_request_cancel),
    "overtime": (selectors.overtime_request_get, services.overtime_request_cancel),
}


@require_POST
@login_required
def request_cancel(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    member = member_with(request, roles.WRITE)
    getter, cancel = CANCELLERS[kind]
    target = fetch_or_404(getter, viewer=member, request_id=pk)
    try:
        cancel(request=target, actor=member)
    except DomainError as error:
        notice, status = ("error", error.message), error.status_code
    else:
        notice, status = ("success", _("The request was cancelled.")), 200
    if not htmx_partial(request):
        messages.add_message(request, messages.SUCCESS if status == 200 else messages.ERROR, notice[1])
        return HttpResponseRedirect(_home_url("requests"))
    response = render(
        request,
        "attendance/_requests.html",
        {**_requests_context(member, notice=notice), "can_write": True},
        status=status,
    )
    if status == 200:
        # Cancelled approved leave gives its balance and its days back.
        trigger_client_event(response, "balances-changed")
        trigger_client_event(response, "records-changed")
    return response
