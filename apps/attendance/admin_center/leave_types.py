"""Leave types (`/admin-center/settings/attendance/leave-types/`): add one, edit its yearly allowance."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page, refusal
from apps.access.models import Membership
from apps.attendance.models import LeaveType
from apps.attendance.services.leave_balances import leave_type_create
from apps.attendance.services.settings_admin import leave_type_allowance_update
from apps.core.errors import DomainError


class LeaveTypeForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=LeaveType.Unit.choices)
    yearly_allowance = forms.DecimalField(
        label=gettext_lazy("Yearly allowance"), min_value=0, max_value=9999, decimal_places=2, initial=0
    )
    is_paid = forms.BooleanField(label=gettext_lazy("Paid"), required=False, initial=True)


@require_http_methods(["GET", "POST"])
@admin_page
def leave_types(request: HttpRequest, admin: Membership) -> HttpResponse:
    form = LeaveTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leave_type_create(organization=admin.organization, actor=admin, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Leave type saved."))
            return redirect("admin_settings:leave-types")
    context = {"form": form, "leave_types": LeaveType.objects.for_org(admin.organization).order_by("code")}
    return render(
        request, "admin_center/settings_leave_types.html", context, status=400 if form.errors else 200
    )


@require_POST
@admin_page
def leave_type_allowance(request: HttpRequest, admin: Membership, leave_type_id: int) -> HttpResponse:
    try:
        allowance = Decimal(request.POST.get("yearly_allowance", "").strip())
    except InvalidOperation:
        messages.error(request, _("The yearly allowance must be a number."))
        return redirect("admin_settings:leave-types")
    try:
        leave_type_allowance_update(
            organization=admin.organization,
            leave_type_id=leave_type_id,
            yearly_allowance=allowance,
            actor=admin,
        )
    except DomainError as error:
        if error.status_code == 404:
            raise Http404(error.message) from error
        refusal(request, error)
    else:
        messages.success(request, _("Allowance saved."))
    return redirect("admin_settings:leave-types")
