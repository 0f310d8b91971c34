"""User Access pages (`/admin-center/users/...`): thin views over the access provisioning services. Every
write is a POST that calls one service and redirects (post/redirect/get); a DomainError becomes the message
on the page and nothing was written."""

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.access import provisioning
from apps.access import roles as role_names
from apps.access.admin_center import admin_page
from apps.access.admin_pages.people import ROLE_LABELS, member_or_404, person_page
from apps.access.models import Membership
from apps.access.selectors import members_search
from apps.core.errors import DomainError

USERS_PAGE_SIZE = 25
BATCH_MAX_BYTES = 512 * 1024


@require_GET
@admin_page
def users(request: HttpRequest, admin: Membership) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    page = Paginator(members_search(organization=admin.organization, q=q), USERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"q": q, "page": page, "query": urlencode({"q": q}) if q else ""}
    if request.headers.get("HX-Target") == "user-results":
        return render(request, "admin_center/_user_results.html", context)
    return render(request, "admin_center/users.html", context)


@require_http_methods(["GET", "POST"])
@admin_page
def user_detail(request: HttpRequest, admin: Membership, user_id: int) -> HttpResponse:
    member = member_or_404(admin, user_id)
    if request.method == "POST":
        _user_action(request, admin, member)
        return redirect("admin_center:user", user_id=member.user_id)
    return person_page(request, admin, member)


def _user_action(request: HttpRequest, admin: Membership, member: Membership) -> None:
    action = request.POST.get("action", "")
    role = request.POST.get("role", "")
    common = {"organization": admin.organization, "actor": admin, "member": member}
    try:
        if action in {"assign", "unassign"}:
            if role not in role_names.ROLE_NAMES:
                messages.error(request, _("Choose one of the roles."))
                return
            service = provisioning.roles_assign if action == "assign" else provisioning.roles_unassign
            change = service(**common, roles=[role])
            label = str(ROLE_LABELS[role])
            if not change.roles:
                messages.info(request, _("Nothing changed: %(role)s was already so.") % {"role": label})
            elif action == "assign":
                messages.success(request, _("%(role)s role given.") % {"role": label})
            else:
                messages.success(request, _("%(role)s role taken away.") % {"role": label})
        elif action == "deactivate":
            result = provisioning.member_deactivate(**common)
            messages.success(
                request,
                _("Deactivated: %(sessions)s sessions ended, %(tokens)s API tokens revoked.")
                % {"sessions": result.sessions_ended, "tokens": result.tokens_revoked}
                if result.changed
                else _("Already deactivated."),
            )
        elif action == "reactivate":
            provisioning.member_reactivate(**common)
            messages.success(request, _("Reactivated."))
        elif action == "invite":
            provisioning.member_invite(**common)
            messages.success(request, _("Invitation sent."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as error:
        messages.error(request, error.message)


def _batch_users(request: HttpRequest) -> list[str]:
    """One user per line of the text box, or the first column of each row of the uploaded CSV."""
    upload = request.FILES.get("file")
    if upload:
        if upload.size > BATCH_MAX_BYTES:
            raise ValueError(_("The file is larger than 512 KB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError(_("The file is not UTF-8 text.")) from error
        rows = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
        if rows and rows[0].lower() in {"user", "username", "email", "employee_no"}:
            rows = rows[1:]  # a header row
        return rows
    return [line.strip() for line in request.POST.get("users", "").splitlines() if line.strip()]


@require_http_methods(["GET", "POST"])
@admin_page
def batch(request: HttpRequest, admin: Membership) -> HttpResponse:
    context = {
        "roles": [{"name": n, "label": str(ROLE_LABELS[n])} for n in role_names.ROLE_NAMES],
        "chosen": request.POST.getlist("roles"),
        "users_text": request.POST.get("users", ""),
        "operation": request.POST.get("operation", "assign"),
        "atomic": bool(request.POST.get("atomic")),
    }
    if request.method == "POST":
        try:
            users_list = _batch_users(request)
            if not users_list:
                raise ValueError(_("List at least one user, or upload a CSV file."))
            if not context["chosen"]:
                raise ValueError(_("Choose at least one role."))
        except ValueError as error:
            context["error"] = str(error)
            return render(request, "admin_center/batch.html", context, status=400)
        unassign = context["operation"] == "unassign"
        service = provisioning.roles_batch_unassign if unassign else provisioning.roles_batch_assign
        try:
            report = service(
                organization=admin.organization,
                actor=admin,
                users=users_list,
                roles=context["chosen"],
                atomic=context["atomic"],
            )
            context.update(items=report.items, summary=report.summary)
        except DomainError as error:
            context["error"] = error.message
            context["items"] = error.details.get("items", [])
            return render(request, "admin_center/batch.html", context, status=error.status_code)
    return render(request, "admin_center/batch.html", context)
