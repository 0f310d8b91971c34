"""Payroll cycles (`/admin-center/payroll/`): the list with a status filter, generating cycles from a template,
one by hand, and the moves of one cycle (lock, unlock with a reason, close, reopen with a reason, archive,
delete). Every write is a POST that calls one service and redirects; a refusal is shown in words."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.core.errors import DomainError, NotFound
from apps.payroll_cycles import labels, selectors, services
from apps.payroll_cycles.admin_pages.forms import CycleForm, GenerateForm, StatusFilter, add_refusal
from apps.payroll_cycles.models import PayrollCycle

PAGE_SIZE = 20


def cycle_or_404(admin: Membership, cycle_id: int) -> PayrollCycle:
    try:
        return selectors.cycle_get(viewer=admin, cycle_id=cycle_id)
    except NotFound:
        raise Http404 from None


def _list_page(request, admin, *, generate_form=None, cycle_form=None, status=200) -> HttpResponse:
    status_filter = StatusFilter(request.GET or None)
    wanted = status_filter.wanted()
    cycles = selectors.cycles_for(viewer=admin, status=wanted).select_related("template")
    page = Paginator(cycles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "status_filter": status_filter,
        "wanted": wanted or "",
        "page": page,
        "has_templates": selectors.templates_for(viewer=admin).exists(),
        "generate_form": generate_form or GenerateForm(organization=admin.organization),
        "cycle_form": cycle_form or CycleForm(),
    }
    return render(request, "payroll_cycles/admin/cycles.html", context, status=status)


@require_GET
@admin_page
def cycles(request: HttpRequest, admin: Membership) -> HttpResponse:
    return _list_page(request, admin)


@require_POST
@admin_page
def generate(request: HttpRequest, admin: Membership) -> HttpResponse:
    form = GenerateForm(request.POST, organization=admin.organization)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result, _replayed = services.cycles_generate(
                actor=admin,
                template=data["template"],
                count=data["count"],
                anchor_date=data["anchor_date"],
                name_prefix=data["name_prefix"],
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as error:
            add_refusal(form, error, fields={"anchorDate": "anchor_date", "templateId": "template"})
        else:
            created, skipped = len(result["created"]), len(result["skipped"])
            text = ngettext("%(n)s cycle created.", "%(n)s cycles created.", created) % {"n": created}
            if skipped:
                text += " " + ngettext("%(n)s was there already.", "%(n)s were there already.", skipped) % {
                    "n": skipped
                }
            messages.success(request, text)
            return redirect("admin_payroll:home")
    return _list_page(request, admin, generate_form=form, status=400)


@require_POST
@admin_page
def create(request: HttpRequest, admin: Membership) -> HttpResponse:
    form = CycleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_create(
                actor=admin, name=data["name"], start_date=data["start_date"], end_date=data["end_date"]
            )
        except DomainError as error:
            add_refusal(form, error, fields={"endDate": "end_date", "startDate": "start_date"})
        else:
            messages.success(request, _("Cycle %(name)s created.") % {"name": cycle.name})
            return redirect("admin_payroll:cycle", cycle_id=cycle.pk)
    return _list_page(request, admin, cycle_form=form, status=400)


def _done(action: str, name: str, version: int) -> str:
    if action == "lock":
        return _("%(name)s is locked: attendance on its days can no longer change.") % {"name": name}
    if action == "close":
        return _("%(name)s is closed. Its figures were saved as settlement version %(version)s.") % {
            "name": name,
            "version": version,
        }
    if action == "reopen":
        return _("%(name)s is open again. Closing it again saves a new settlement version.") % {"name": name}
    if action == "archive":
        return _("%(name)s is archived.") % {"name": name}
    return _("%(name)s is open again.") % {"name": name}


@require_POST
@admin_page
def move(request: HttpRequest, admin: Membership, cycle_id: int, action: str) -> HttpResponse:
    if action not in services.CYCLE_ACTIONS:
        raise Http404
    cycle = cycle_or_404(admin, cycle_id)
    try:
        result, _replayed = services.cycle_transition(
            actor=admin,
            cycle=cycle,
            action=action,
            reason=request.POST.get("reason", ""),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except DomainError as error:
        messages.error(request, labels.refusal_message(error))
    else:
        messages.success(request, _done(action, cycle.name, result["snapshot_version"]))
    return redirect("admin_payroll:cycle", cycle_id=cycle.pk)


@require_POST
@admin_page
def delete(request: HttpRequest, admin: Membership, cycle_id: int) -> HttpResponse:
    cycle = cycle_or_404(admin, cycle_id)
    try:
        services.cycle_delete(actor=admin, cycle=cycle)
    except DomainError as error:
        messages.error(request, labels.refusal_message(error))
        return redirect("admin_payroll:cycle", cycle_id=cycle.pk)
    messages.success(request, _("Cycle %(name)s deleted.") % {"name": cycle.name})
    return redirect("admin_payroll:home")
