"""Leave types (`/admin-center/settings/attendance/leave-types/`): add one, edit its yearly allowance and its
Chinese name, and adjust one person's balance (with a note saying why)."""

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
from apps.attendance.services.leave_balances import leave_balance, leave_balance_adjust, leave_type_create
from apps.attendance.services.settings_admin import leave_type_allowance_update
from apps.core.errors import DomainError


class LeaveTypeForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name in English"), max_length=100)
    name_zh = forms.CharField(label=gettext_lazy("Name in Chinese"), max_length=100, required=False)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=LeaveType.Unit.choices)
    yearly_allowance = forms.DecimalField(
        label=gettext_lazy("Yearly allowance"), min_value=0, max_value=9999, decimal_places=2, initial=0
    )
    is_paid = forms.BooleanField(label=gettext_lazy("Paid"), required=False, initial=True)
    allow_negative = forms.BooleanField(
        label=gettext_lazy("No limit (the balance may go below zero)"), required=False, initial=False
    )
    accrual_pro_rata = forms.BooleanField(
        label=gettext_lazy("Joiners get the months left of their first year"), required=False, initial=False
    )
    carry_forward_cap = forms.DecimalField(
        label=gettext_lazy("Carry at most this much into the next year (empty: everything)"),
        min_value=0,
        max_value=9999,
        decimal_places=2,
        required=False,
    )


def _credited(leave_type: LeaveType) -> str:
    unit = _("hour(s)") if leave_type.balance_unit == "hour" else _("day(s)")
    return _("%(amount)s %(unit)s of %(name)s credited to every active member for this year.") % {
        "amount": f"{leave_type.yearly_allowance.normalize():f}",
        "unit": unit,
        "name": leave_type.display_name,
    }


class BalanceAdjustForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Membership.objects.none())
    leave_type = forms.ModelChoiceField(label=gettext_lazy("Leave type"), queryset=LeaveType.objects.none())
    amount = forms.DecimalField(
        label=gettext_lazy("Days or hours to add (negative to take away)"),
        min_value=-9999,
        max_value=9999,
        decimal_places=2,
    )
    note = forms.CharField(label=gettext_lazy("Why"), max_length=300)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Membership.objects.for_org(organization)
            .filter(is_active=True)
            .select_related("user")
            .order_by("display_name")
        )
        self.fields["member"].label_from_instance = lambda m: m.name
        self.fields["leave_type"].queryset = LeaveType.objects.for_org(organization).filter(is_active=True)


def _page(request, admin, form, adjust_form, status=200):
    context = {
        "form": form,
        "adjust_form": adjust_form,
        "leave_types": LeaveType.objects.for_org(admin.organization).order_by("code"),
    }
    return render(request, "admin_center/settings_leave_types.html", context, status=status)


@require_POST
@admin_page
def balance_adjust(request: HttpRequest, admin: Membership) -> HttpResponse:
    adjust_form = BalanceAdjustForm(request.POST, organization=admin.organization)
    if adjust_form.is_valid():
        data = adjust_form.cleaned_data
        try:
            leave_balance_adjust(
                member=data["member"],
                leave_type=data["leave_type"],
                amount=data["amount"],
                note=data["note"],
                actor=admin,
            )
        except DomainError as error:
            adjust_form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s's %(type)s balance is now %(balance)s.")
                % {
                    "name": data["member"].name,
                    "type": data["leave_type"].name,
                    "balance": leave_balance(member=data["member"], leave_type=data["leave_type"]),
                },
            )
            return redirect("admin_settings:leave-types")
    return _page(request, admin, LeaveTypeForm(), adjust_form, status=400)


@require_http_methods(["GET", "POST"])
@admin_page
def leave_types(request: HttpRequest, admin: Membership) -> HttpResponse:
    form = LeaveTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leave_type = leave_type_create(organization=admin.organization, actor=admin, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            saved = _("Leave type saved.")
            messages.success(
                request, f"{saved} {_credited(leave_type)}" if leave_type.yearly_allowance else saved
            )
            return redirect("admin_settings:leave-types")
    adjust_form = BalanceAdjustForm(organization=admin.organization)
    return _page(request, admin, form, adjust_form, status=400 if form.errors else 200)


@require_POST
@admin_page
def leave_type_allowance(request: HttpRequest, admin: Membership, leave_type_id: int) -> HttpResponse:
    try:
        allowance = Decimal(request.POST.get("yearly_allowance", "").strip())
    except InvalidOperation:
        messages.error(request, _("The yearly allowance must be a number."))
        return redirect("admin_settings:leave-types")
    name_zh = None
    if "name_zh" in request.POST:
        field = LeaveTypeForm.base_fields["name_zh"]
        try:
            name_zh = field.clean(request.POST["name_zh"])
        except forms.ValidationError as error:
            messages.error(request, f"{field.label}: {' '.join(error.messages)}")
            return redirect("admin_settings:leave-types")
    try:
        update = leave_type_allowance_update(
            organization=admin.organization,
            leave_type_id=leave_type_id,
            yearly_allowance=allowance,
            name_zh=name_zh,
            actor=admin,
        )
    except DomainError as error:
        if error.status_code == 404:
            raise Http404(error.message) from error
        refusal(request, error)
    else:
        messages.success(
            request,
            _("Allowance saved. This year's balances moved by the difference.")
            if update.allowance_changed
            else _("Leave type saved."),
        )
    return redirect("admin_settings:leave-types")
