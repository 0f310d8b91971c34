"""Members' shift assignments (`/admin-center/settings/attendance/assignments/?q=`): which member works
which shift on which weekdays, from and until when; add one, end one."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.access.provisioning.common import members_by_identifier
from apps.access.selectors import members_search
from apps.attendance.models import MONDAY_TO_FRIDAY, Shift, ShiftAssignment
from apps.attendance.services.settings_admin import shift_assignment_end
from apps.attendance.services.setup import shift_assignment_create
from apps.core.errors import DomainError
from apps.core.params import SupportedDateFormField

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
    start_date = SupportedDateFormField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = SupportedDateFormField(
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
            "ended": _("The assignment now ends on %(day)s.") % {"day": date_format(last_day, "DATE_FORMAT")},
            "removed": _("The assignment had not started and was removed."),
            "unchanged": _("The assignment already ends by then."),
        }[outcome],
    )
    return redirect("admin_settings:assignments")
