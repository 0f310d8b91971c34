"""The organization's timezone (`/admin-center/settings/attendance/timezone/`), over access's service."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.access.admin_center import admin_page, refusal
from apps.access.models import Membership
from apps.access.services import organization_timezone_update
from apps.core.errors import DomainError
from apps.core.timezones import selectable_timezones


@require_http_methods(["GET", "POST"])
@admin_page
def organization_timezone(request: HttpRequest, admin: Membership) -> HttpResponse:
    if request.method == "POST":
        try:
            organization_timezone_update(
                organization=admin.organization, timezone_name=request.POST.get("timezone", ""), actor=admin
            )
        except DomainError as error:
            refusal(request, error)
        else:
            messages.success(request, _("Timezone saved."))
        return redirect("admin_settings:timezone")
    context = {"current": admin.organization.timezone, "zones": selectable_timezones()}
    return render(request, "admin_center/settings_timezone.html", context)
