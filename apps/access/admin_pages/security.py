"""The security Settings page (`/admin-center/settings/`): the IP allowlist and retention, over the access
services the administration API uses. Writes are POST, one service, redirect."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.access.admin_center import admin_page, refusal
from apps.access.ip_allowlist import ip_allowlist, ip_allowlist_update
from apps.access.models import Membership
from apps.access.retention import LIMITS, retention_policy, retention_policy_update
from apps.core import request_context
from apps.core.errors import DomainError
from apps.core.params import ascii_int


@require_GET
@admin_page
def settings_home(request: HttpRequest, admin: Membership) -> HttpResponse:
    organization = admin.organization
    allowlist = ip_allowlist(organization)
    address = request_context.client_ip(request)
    context = {
        "allowlist": allowlist,
        "allowlist_text": "\n".join(allowlist.admin),
        "address": address,
        "address_allowed": allowlist.allows(address) if allowlist.admin else None,
        "retention": retention_policy(organization),
        "limits": {key: {"low": low, "high": high} for key, (low, high) in LIMITS.items()},
    }
    return render(request, "admin_center/settings.html", context)


@require_POST
@admin_page
def settings_ip_allowlist(request: HttpRequest, admin: Membership) -> HttpResponse:
    entries = [line.strip() for line in request.POST.get("admin", "").splitlines() if line.strip()]
    try:
        ip_allowlist_update(
            organization=admin.organization,
            actor=admin,
            admin=entries,
            all_api=bool(request.POST.get("all_api")),
            client_ip=request_context.client_ip(request),
        )
    except DomainError as error:
        refusal(request, error)
    else:
        messages.success(request, _("IP allowlist saved."))
    return redirect("admin_center:settings")


@require_POST
@admin_page
def settings_retention(request: HttpRequest, admin: Membership) -> HttpResponse:
    values = {}
    for field, key in (("operation_log_days", "operationLogDays"), ("attendance_days", "attendanceDays")):
        raw = request.POST.get(field, "").strip()
        if raw:
            values[key] = (
                raw if ascii_int(raw) is None else ascii_int(raw)
            )  # the service refuses a non-number
    try:
        retention_policy_update(organization=admin.organization, actor=admin, values=values)
    except DomainError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Retention saved."))
    return redirect("admin_center:settings")
