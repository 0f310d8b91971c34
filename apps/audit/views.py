"""The Admin Center pages (`/admin-center/`): thin views over the access provisioning services, the
operation log selectors and the organization security settings. Admins only; importers who open it are
sent to the Import Center; anyone else gets the 403 page.

Every write is a POST that calls one service and redirects (post/redirect/get), so a reload or a retried
submit repeats an idempotent service call, never a second effect. A DomainError becomes the message on
the page; nothing was written.
"""

import csv
import io
import json
from datetime import timedelta

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.access import provisioning
from apps.access import roles as role_names
from apps.access.admin_center import admin_page
from apps.access.ip_allowlist import ip_allowlist, ip_allowlist_update
from apps.access.models import Membership
from apps.access.selectors import member_for_user_id, members_search
from apps.audit.admin_pages.sections import CHAIN_CACHE_SECONDS, chain_cache_key
from apps.audit.models import OperationLog, chain_key
from apps.audit.retention import LIMITS, retention_policy, retention_policy_update
from apps.audit.selectors import FILTER_PARAMS, audit_log_entries, parse_log_filters
from apps.audit.verify import chain_verify
from apps.core import request_context
from apps.core.errors import DomainError
from apps.core.params import ascii_int

USERS_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50
BATCH_MAX_BYTES = 512 * 1024
# Model diffs written within this window of an operation-log entry belong to the same change.
DIFF_WINDOW = timedelta(seconds=2)
ROLE_LABELS = {
    role_names.EMPLOYEE: gettext_lazy("Employee"),
    role_names.APPROVER: gettext_lazy("Approver"),
    role_names.IMPORTER: gettext_lazy("Importer"),
    role_names.ADMIN: gettext_lazy("Administrator"),
}


def _member(admin: Membership, user_id) -> Membership:
    try:
        return member_for_user_id(organization=admin.organization, user_id=user_id)
    except DomainError as error:
        raise Http404(error.message) from error


# --- User Access --------------------------------------------------------------------------------------


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


def _role_rows(member: Membership) -> list[dict]:
    held = set(member.role_names)
    return [
        {"name": name, "label": str(ROLE_LABELS[name]), "held": name in held}
        for name in role_names.ROLE_NAMES
    ]


@require_http_methods(["GET", "POST"])
@admin_page
def user_detail(request: HttpRequest, admin: Membership, user_id: int) -> HttpResponse:
    member = _member(admin, user_id)
    if request.method == "POST":
        _user_action(request, admin, member)
        return redirect("admin_center:user", user_id=member.user_id)
    context = {"member": member, "roles": _role_rows(member), "is_self": member.pk == admin.pk}
    return render(request, "admin_center/user_detail.html", context)


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


# --- Audit --------------------------------------------------------------------------------------------


@require_GET
@admin_page
def audit(request: HttpRequest, admin: Membership) -> HttpResponse:
    organization = admin.organization
    values = {name: request.GET.get(name, "") for name in FILTER_PARAMS}
    filter_query = urlencode({k: v for k, v in values.items() if v})
    context = {"values": values, "results": OperationLog.Result.values, "filter_query": filter_query}
    try:
        filters = parse_log_filters(request.GET, organization)
    except DomainError as error:
        context["error"] = error.message
        return render(request, "admin_center/audit.html", context, status=400)
    entries = audit_log_entries(organization=organization, filters=filters).order_by("-sequence")
    # Keyset pages on the chain sequence (unique per organization): no skipped or repeated entries
    # while new ones arrive.
    before = request.GET.get("before", "")
    if ascii_int(before) is not None:
        entries = entries.filter(sequence__lt=ascii_int(before))
    page = list(entries.select_related(None)[: LOG_PAGE_SIZE + 1])
    more = len(page) > LOG_PAGE_SIZE
    page = page[:LOG_PAGE_SIZE]
    context.update(
        entries=page,
        org_tz=organization.tzinfo,
        next_query=urlencode({**{k: v for k, v in values.items() if v}, "before": page[-1].sequence})
        if more
        else "",
        export_url=_export_url(filter_query),
    )
    return render(request, "admin_center/audit.html", context)


def _export_url(filter_query: str) -> str:
    url = reverse("admin-audit-logs-export")
    return f"{url}?{filter_query}" if filter_query else url


def _model_diffs(entry: OperationLog) -> list[LogEntry]:
    """django-auditlog's field diffs of the entry's target written around the same moment."""
    app_label, _dot, model = entry.target_type.partition(".")
    if not (model and entry.target_id):
        return []
    return list(
        LogEntry.objects.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            object_pk=entry.target_id,
            timestamp__gte=entry.created_at - DIFF_WINDOW,
            timestamp__lte=entry.created_at + DIFF_WINDOW,
        )
        .select_related("actor")
        .order_by("timestamp")[:20]
    )


def _diff_rows(diff: LogEntry) -> list[tuple[str, str, str]]:
    """(field, before, after); a many-to-many change reads (field, "add"/"delete", the objects)."""
    rows = []
    for field, change in sorted((diff.changes_dict or {}).items()):
        if isinstance(change, dict) and change.get("type") == "m2m":
            rows.append((field, change.get("operation", ""), ", ".join(map(str, change.get("objects", [])))))
        elif isinstance(change, list | tuple) and len(change) == 2:
            rows.append((field, change[0], change[1]))
    return rows


@require_GET
@admin_page
def audit_entry(request: HttpRequest, admin: Membership, entry_id: int) -> HttpResponse:
    entry = OperationLog.objects.for_org(admin.organization).filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such entry in this organization.")
    diffs = [{"entry": diff, "changes": _diff_rows(diff)} for diff in _model_diffs(entry)]
    context = {
        "entry": entry,
        "org_tz": admin.organization.tzinfo,
        "details": json.dumps(entry.details, indent=2, ensure_ascii=False, sort_keys=True),
        "diffs": diffs,
    }
    return render(request, "admin_center/audit_entry.html", context)


@require_http_methods(["GET", "POST"])
@admin_page
def chain_status(request: HttpRequest, admin: Membership) -> HttpResponse:
    """Verifying walks the organization's whole chain, so it runs when asked (POST), and the latest
    result is kept for the home page and this page."""
    key = chain_cache_key(admin.organization)
    if request.method == "POST":
        report = chain_verify(chain_key(admin.organization.pk))
        status = {
            "ok": report.ok,
            "checked": report.checked,
            "first": report.first_sequence,
            "last": report.last_sequence,
            "problem": report.problem.message if report.problem else "",
            "problem_sequence": report.problem.sequence if report.problem else None,
            "at": timezone.now(),
        }
        cache.set(key, status, CHAIN_CACHE_SECONDS)
        if request.headers.get("HX-Request"):
            return render(
                request, "admin_center/_chain.html", {"chain": status, "org_tz": admin.organization.tzinfo}
            )
        return redirect("admin_center:chain")
    context = {"chain": cache.get(key), "org_tz": admin.organization.tzinfo}
    return render(request, "admin_center/chain.html", context)


# --- Settings -----------------------------------------------------------------------------------------


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
        problems = (error.details.get("fields") or {}).get("admin") or []
        messages.error(request, " ".join([error.message, *problems]))
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
        fields = error.details.get("fields") or {}
        messages.error(request, " ".join([error.message, *(m for ms in fields.values() for m in ms)]))
    else:
        messages.success(request, _("Retention saved."))
    return redirect("admin_center:settings")
