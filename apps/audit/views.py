"""The audit viewer in the Admin Center (`/admin-center/audit/...`): the operation log with the API's
filters, one entry with its model diffs, and the chain status. Admins only (the shell's guard)."""

import json
from datetime import timedelta

from auditlog.models import LogEntry
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.audit.admin_pages.sections import CHAIN_CACHE_SECONDS, chain_cache_key
from apps.audit.filters import FILTER_PARAMS, OperationLogFilter
from apps.audit.models import OperationLog, chain_key
from apps.audit.verify import chain_verify
from apps.audit.wording import CATEGORIES, actions_in, describe
from apps.core.errors import DomainError
from apps.core.filters import filtered
from apps.core.params import ascii_int

LOG_PAGE_SIZE = 50
PAGE_PARAMS = ("category", "hide_signins")  # the viewer's own filters, beside the API's
RESULT_LABELS = {
    OperationLog.Result.OK: _("Done"),
    OperationLog.Result.DENIED: _("Refused"),
    OperationLog.Result.FAILED: _("Failed"),
}
# Model diffs written within this window of an operation-log entry belong to the same change.
DIFF_WINDOW = timedelta(seconds=2)


@require_GET
@admin_page
def audit(request: HttpRequest, admin: Membership) -> HttpResponse:
    organization = admin.organization
    values = {name: request.GET.get(name, "") for name in (*FILTER_PARAMS, *PAGE_PARAMS)}
    filter_query = urlencode({k: v for k, v in values.items() if v})
    context = {
        "values": values,
        "results": list(RESULT_LABELS.items()),
        "categories": list(CATEGORIES.items()),
        "filter_query": filter_query,
    }
    try:
        entries = filtered(OperationLogFilter(request.GET, organization=organization)).order_by("-sequence")
    except DomainError as error:
        context["error"] = error.message
        return render(request, "admin_center/audit.html", context, status=400)
    if values["category"] in CATEGORIES:
        entries = entries.filter(action__in=actions_in(values["category"]))
    if values["hide_signins"]:
        entries = entries.exclude(action__in=actions_in("signins"))
    # Keyset pages on the chain sequence (unique per organization): no skipped or repeated entries
    # while new ones arrive.
    before = request.GET.get("before", "")
    if ascii_int(before) is not None:
        entries = entries.filter(sequence__lt=ascii_int(before))
    page = list(entries.select_related(None)[: LOG_PAGE_SIZE + 1])
    more = len(page) > LOG_PAGE_SIZE
    page = page[:LOG_PAGE_SIZE]
    describe(page, organization)
    for entry in page:
        entry.result_label = RESULT_LABELS.get(entry.result, entry.result)
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
        .select_related("actor", "content_type")
        .order_by("timestamp")[:20]
    )


def _field_label(model, field: str) -> str:
    """The field's name in words (its verbose name, in the reader's language), not its attribute name."""
    try:
        words = getattr(model._meta.get_field(field), "verbose_name", None) if model else None
    except FieldDoesNotExist:
        words = None
    return capfirst(words) if words else field


def _diff_rows(diff: LogEntry) -> list[tuple[str, str, str]]:
    """(field in words, before, after); a many-to-many change reads (field, "add"/"delete", the objects)."""
    model = diff.content_type.model_class() if diff.content_type_id else None
    rows = []
    for field, change in sorted((diff.changes_dict or {}).items()):
        if isinstance(change, dict) and change.get("type") == "m2m":
            objects = ", ".join(map(str, change.get("objects", [])))
            rows.append((_field_label(model, field), change.get("operation", ""), objects))
        elif isinstance(change, list | tuple) and len(change) == 2:
            rows.append((_field_label(model, field), change[0], change[1]))
    return rows


@require_GET
@admin_page
def audit_entry(request: HttpRequest, admin: Membership, entry_id: int) -> HttpResponse:
    entry = OperationLog.objects.for_org(admin.organization).filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such entry in this organization.")
    diffs = [{"entry": diff, "changes": _diff_rows(diff)} for diff in _model_diffs(entry)]
    describe([entry], admin.organization)
    entry.result_label = RESULT_LABELS.get(entry.result, entry.result)
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
