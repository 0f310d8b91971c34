"""The holiday calendar (`/admin-center/settings/attendance/?year=`): holidays and makeup workdays."""

from datetime import date

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.attendance.models import Holiday
from apps.attendance.services.settings_admin import holiday_remove as holiday_remove_service
from apps.attendance.services.setup import holiday_set
from apps.core.errors import DomainError
from apps.core.params import SupportedDateFormField, ascii_int


class HolidayForm(forms.Form):
    day = SupportedDateFormField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=gettext_lazy("Name in English"), max_length=100)
    name_zh = forms.CharField(label=gettext_lazy("Name in Chinese"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[
            (Holiday.Kind.HOLIDAY, gettext_lazy("Holiday")),
            (Holiday.Kind.MAKEUP_WORKDAY, gettext_lazy("Makeup workday")),
        ],
    )


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
            messages.success(
                request, _("%(day)s saved in the calendar.") % {"day": date_format(day, "DATE_FORMAT")}
            )
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
        messages.success(
            request, _("%(day)s removed from the calendar.") % {"day": date_format(day, "DATE_FORMAT")}
        )
    return redirect(f"{reverse('admin_settings:home')}?year={day.year}")
