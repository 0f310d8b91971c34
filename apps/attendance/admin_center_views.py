"""Attendance settings in the Admin Center: the holiday calendar, leave types, shifts, sites and policy, and
members' shift assignments. Thin pages over the setup services (apps/attendance/services), admins only (the
Admin Center's own guard)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.access.provisioning.common import members_by_identifier
from apps.access.selectors import members_search
from apps.access.services import organization_timezone_update
from apps.attendance.models import (
    MONDAY_TO_FRIDAY,
    AttendancePolicy,
    Holiday,
    LeaveType,
    Shift,
    ShiftAssignment,
    Site,
)
from apps.attendance.services.leave_balances import leave_type_create
from apps.attendance.services.settings_admin import (
    holiday_remove as holiday_remove_service,
)
from apps.attendance.services.settings_admin import (
    leave_type_allowance_update,
    shift_assignment_end,
    site_deactivate,
)
from apps.attendance.services.setup import (
    holiday_set,
    policy_update,
    shift_assignment_create,
    shift_create,
    site_create,
)
from apps.core.errors import DomainError
from apps.core.params import ascii_int


class HolidayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Holiday.Kind.choices)


class LeaveTypeForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=LeaveType.Unit.choices)
    yearly_allowance = forms.DecimalField(
        label=gettext_lazy("Yearly allowance"), min_value=0, max_value=9999, decimal_places=2, initial=0
    )
    is_paid = forms.BooleanField(label=gettext_lazy("Paid"), required=False, initial=True)


def _year(request: HttpRequest, admin: Membership) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate(timezone=admin.organization.tzinfo)
    year = ascii_int(raw)
    return year if year is not None and 2000 <= year <= 2100 else today.year


@require_http_methods(["GET", "POST"])
@admin_page
def holidays(request: HttpRequest, admin: Membership) -> HttpResponse:
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["day"]
        try:
            holiday_set(organization=admin.organization, actor=admin, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(day)s saved in the calendar.") % {"day": day.isoformat()})
            return redirect(f"{request.path}?year={day.year}")
    year = _year(request, admin)
    context = {
        "form": form,
        "year": year,
        "years": (year - 1, year + 1),
        "holidays": Holiday.objects.for_org(admin.organization)
        .filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        .order_by("date"),
    }
    return render(request, "admin_center/settings_holidays.html", context, status=400 if form.errors else 200)


@require_POST
@admin_page
def holiday_remove(request: HttpRequest, admin: Membership) -> HttpResponse:
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, _("Choose a date to remove."))
        return redirect("admin_settings:home")
    if holiday_remove_service(organization=admin.organization, day=day, actor=admin):
        messages.success(request, _("%(day)s removed from the calendar.") % {"day": day.isoformat()})
    return redirect(f"{reverse('admin_settings:home')}?year={day.year}")


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


class ShiftForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
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
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
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
    geofence = forms.ChoiceField(label=gettext_lazy("Geofence"), choices=AttendancePolicy.Geofence.choices)

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


def _refusal(request: HttpRequest, error: DomainError) -> None:
    fields = error.details.get("fields") or {}
    messages.error(request, " ".join([error.message, *(m for ms in fields.values() for m in ms)]))


@require_POST
@admin_page
def site_retire(request: HttpRequest, admin: Membership, site_id: int) -> HttpResponse:
    try:
        site_deactivate(organization=admin.organization, site_id=site_id, actor=admin)
    except DomainError as error:
        raise Http404(error.message) from error
    messages.success(request, _("The site no longer counts for punches."))
    return redirect("admin_settings:rules")


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
        _refusal(request, error)
    else:
        messages.success(request, _("Allowance saved."))
    return redirect("admin_settings:leave-types")


@require_http_methods(["GET", "POST"])
@admin_page
def organization_timezone(request: HttpRequest, admin: Membership) -> HttpResponse:
    if request.method == "POST":
        try:
            organization_timezone_update(
                organization=admin.organization, timezone_name=request.POST.get("timezone", ""), actor=admin
            )
        except DomainError as error:
            _refusal(request, error)
        else:
            messages.success(request, _("Timezone saved."))
        return redirect("admin_settings:timezone")
    context = {"current": admin.organization.timezone, "zones": sorted(available_timezones())}
    return render(request, "admin_center/settings_timezone.html", context)


# --- members' shift assignments -----------------------------------------------------------------------

WEEKDAY_CHOICES = [
    ("1", gettext_lazy("Mon")),
    ("2", gettext_lazy("Tue")),
    ("4", gettext_lazy("Wed")),
    ("8", gettext_lazy("Thu")),
    ("16", gettext_lazy("Fri")),
    ("32", gettext_lazy("Sat")),
    ("64", gettext_lazy("Sun")),
]
ASSIGNMENTS_PAGE_SIZE = 50


class AssignmentForm(forms.Form):
    member = forms.CharField(
        label=gettext_lazy("Member"),
        max_length=254,
        help_text=gettext_lazy("User name, e-mail or employee number."),
    )
    shift = forms.ModelChoiceField(label=gettext_lazy("Shift"), queryset=Shift.objects.none())
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("Weekdays"),
        choices=WEEKDAY_CHOICES,
        initial=[value for value, _label in WEEKDAY_CHOICES if MONDAY_TO_FRIDAY & int(value)],
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.IntegerField(
        label=gettext_lazy("Priority"),
        min_value=-100,
        max_value=100,
        initial=0,
        help_text=gettext_lazy("When assignments overlap, the highest priority wins."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["shift"].queryset = (
            Shift.objects.for_org(organization).filter(is_active=True).order_by("name")
        )

    def clean_member(self) -> Membership:
        identifier = self.cleaned_data["member"].strip()
        found = members_by_identifier(self.organization, [identifier])[identifier]
        if not found:
            raise forms.ValidationError(
                _("No member of this organization has that user name, e-mail or number.")
            )
        if len(found) > 1:
            raise forms.ValidationError(_("More than one member matches; use the user name."))
        return found[0]

    def clean_weekdays(self) -> int:
        return sum(int(value) for value in self.cleaned_data["weekdays"])


def _weekday_names(mask: int) -> str:
    return " ".join(str(label) for value, label in WEEKDAY_CHOICES if mask & int(value))


@require_http_methods(["GET", "POST"])
@admin_page
def assignments(request: HttpRequest, admin: Membership) -> HttpResponse:
    """Which member works which shift on which weekdays, from and until when; add one, end one."""
    organization = admin.organization
    form = AssignmentForm(request.POST or None, organization=organization, prefix="assign")
    if request.method == "POST" and form.is_valid():
        try:
            shift_assignment_create(actor=admin, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Assignment saved. Days already recorded keep their values until recomputed.")
            )
            return redirect("admin_settings:assignments")
    q = request.GET.get("q", "").strip()[:100]
    rows = (
        ShiftAssignment.objects.for_org(organization)
        .select_related("member__user", "shift")
        .order_by("member__employee_no", "member_id", "-priority", "-start_date", "-id")
    )
    if q:
        members = members_search(organization=organization, q=q).values("pk")
        rows = rows.filter(Q(member__in=members) | Q(shift__name__icontains=q))
    page = Paginator(rows, ASSIGNMENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.weekday_names = _weekday_names(row.weekdays)
    context = {
        "form": form,
        "page": page,
        "q": q,
        "today": timezone.localdate(timezone=organization.tzinfo),
    }
    return render(
        request, "admin_center/settings_assignments.html", context, status=400 if form.errors else 200
    )


@require_POST
@admin_page
def assignment_end(request: HttpRequest, admin: Membership, assignment_id: int) -> HttpResponse:
    raw = request.POST.get("last_day", "")
    try:
        last_day = date.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("Choose the last day the assignment applies."))
        return redirect("admin_settings:assignments")
    try:
        outcome = shift_assignment_end(
            organization=admin.organization, assignment_id=assignment_id, last_day=last_day, actor=admin
        )
    except DomainError as error:
        raise Http404(error.message) from error
    messages.success(
        request,
        {
            "ended": _("The assignment now ends on %(day)s.") % {"day": last_day.isoformat()},
            "removed": _("The assignment had not started and was removed."),
            "unchanged": _("The assignment already ends by then."),
        }[outcome],
    )
    return redirect("admin_settings:assignments")
