"""Shifts, geofence sites and the policy (`/admin-center/settings/attendance/shifts-and-sites/`)."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.attendance.models import AttendancePolicy, Shift, Site
from apps.attendance.services.settings_admin import site_deactivate
from apps.attendance.services.setup import policy_update, shift_create, site_create
from apps.core.errors import DomainError


class ShiftForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    start_time = forms.TimeField(label=gettext_lazy("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=gettext_lazy("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    break_minutes = forms.IntegerField(
        label=gettext_lazy("Break (minutes)"), min_value=0, max_value=720, initial=0
    )
    late_grace_minutes = forms.IntegerField(
        label=gettext_lazy("Late grace (minutes)"), min_value=0, max_value=240, initial=0
    )
    half_day_at = forms.TimeField(
        label=gettext_lazy("A half day ends or starts at"),
        help_text=gettext_lazy("Leave empty for the middle of the shift."),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )


class SiteForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    latitude = forms.FloatField(label=gettext_lazy("Latitude"), min_value=-90, max_value=90)
    longitude = forms.FloatField(label=gettext_lazy("Longitude"), min_value=-180, max_value=180)
    radius_m = forms.IntegerField(
        label=gettext_lazy("Radius (metres)"), min_value=10, max_value=100_000, initial=200
    )


class PolicyForm(forms.Form):
    default_shift = forms.ModelChoiceField(
        label=gettext_lazy("Default shift"),
        queryset=Shift.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: members without an assignment have rest days"),
    )
    geofence = forms.ChoiceField(
        label=gettext_lazy("Geofence"),
        choices=[
            (AttendancePolicy.Geofence.OFF, gettext_lazy("Off: punches count wherever they are made")),
            (AttendancePolicy.Geofence.FLAG, gettext_lazy("Accept and flag punches outside every site")),
            (AttendancePolicy.Geofence.STRICT, gettext_lazy("Refuse punches outside every site")),
        ],
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_shift"].queryset = Shift.objects.for_org(organization).order_by("name")


RULE_FORMS = {"shift": ShiftForm, "site": SiteForm}


@require_http_methods(["GET", "POST"])
@admin_page
def rules(request: HttpRequest, admin: Membership) -> HttpResponse:
    """Shifts, geofence sites and the policy (default shift, geofence mode) on one page."""
    organization = admin.organization
    policy = AttendancePolicy.objects.filter(organization=organization).first()
    which = request.POST.get("form", "") if request.method == "POST" else ""
    forms_ = {
        "shift": ShiftForm(request.POST if which == "shift" else None, prefix="shift"),
        "site": SiteForm(request.POST if which == "site" else None, prefix="site"),
        "policy": PolicyForm(
            request.POST if which == "policy" else None,
            organization=organization,
            initial={"default_shift": policy.default_shift_id if policy else None,
                     "geofence": policy.geofence if policy else AttendancePolicy.Geofence.OFF},
        ),
    }  # fmt: skip
    form = forms_.get(which)
    if form is not None and form.is_valid():
        service = {"shift": shift_create, "site": site_create, "policy": policy_update}[which]
        values = {key: value for key, value in form.cleaned_data.items() if value is not None}
        if which == "policy" and form.cleaned_data["default_shift"] is None:
            values["clear_default_shift"] = True  # the empty choice: no default shift
        try:
            service(organization=organization, actor=admin, **values)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("admin_settings:rules")
    elif request.method == "POST" and form is None:
        messages.error(request, _("Unknown form."))
        return redirect("admin_settings:rules")
    context = {
        **{f"{key}_form": value for key, value in forms_.items()},
        "shifts": Shift.objects.for_org(organization).order_by("name"),
        "sites": Site.objects.for_org(organization).order_by("name"),
        "policy": policy,
    }
    failed = form is not None and bool(form.errors)
    return render(request, "admin_center/settings_rules.html", context, status=400 if failed else 200)


@require_POST
@admin_page
def site_retire(request: HttpRequest, admin: Membership, site_id: int) -> HttpResponse:
    try:
        site_deactivate(organization=admin.organization, site_id=site_id, actor=admin)
    except DomainError as error:
        raise Http404(error.message) from error
    messages.success(request, _("The site no longer counts for punches."))
    return redirect("admin_settings:rules")
