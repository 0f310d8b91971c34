"""Webhook pages: register an endpoint (its secret shown once), change or remove it, see its deliveries
(status, attempts, the last answer) and replay one or all dead letters.

Thin views over apps.audit.webhooks.endpoints, the services the API (/api/attendance-admin/webhooks) calls:
same validation, same operation-log entries. Every write is a POST that redirects. The secret of a new
endpoint is kept in the session only until the endpoint's page has shown it once.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page, refusal_text
from apps.access.models import Membership
from apps.audit.models import WebhookDelivery, WebhookEndpoint
from apps.audit.webhooks import endpoints as services
from apps.audit.webhooks.events import EVENT_TYPES
from apps.core.errors import DomainError

DELIVERIES_PAGE_SIZE = 25
Status = WebhookDelivery.Status
# Short names of the event types for the deliveries table (EVENT_TYPES has the sentence for each).
EVENT_LABELS = {
    "punch.created": gettext_lazy("Punch recorded"),
    "adjustment.submitted": gettext_lazy("Adjustment submitted"),
    "adjustment.decided": gettext_lazy("Adjustment decided"),
    "leave.submitted": gettext_lazy("Leave submitted"),
    "leave.decided": gettext_lazy("Leave decided"),
    "overtime.submitted": gettext_lazy("Overtime submitted"),
    "overtime.decided": gettext_lazy("Overtime decided"),
    "import_batch.completed": gettext_lazy("Import committed"),
    "import_batch.rolled_back": gettext_lazy("Import rolled back"),
    "member.created": gettext_lazy("Member added"),
    "member.updated": gettext_lazy("Member changed"),
    "member.deactivated": gettext_lazy("Member deactivated"),
    "payroll_cycle.locked": gettext_lazy("Payroll cycle locked"),
    "payroll_cycle.closed": gettext_lazy("Payroll cycle closed"),
    "payroll_cycle.reopened": gettext_lazy("Payroll cycle reopened"),
}
STATUS_LABELS = {
    Status.PENDING: gettext_lazy("Waiting"),
    Status.SENDING: gettext_lazy("Sending"),
    Status.SUCCEEDED: gettext_lazy("Delivered"),
    Status.DEAD: gettext_lazy("Dead letter"),
}
STATUS_BADGES = {
    Status.PENDING: "",
    Status.SENDING: "",
    Status.SUCCEEDED: "badge-ok",
    Status.DEAD: "badge-bad",
}


def _secret_key(endpoint_id: int) -> str:
    return f"webhook-secret:{endpoint_id}"


def _endpoint(admin: Membership, endpoint_id: int) -> WebhookEndpoint:
    try:
        return services.webhook_endpoint_get(actor=admin, endpoint_id=endpoint_id)
    except DomainError as error:
        raise Http404(error.message) from error


def _event_choices(chosen) -> list[dict]:
    return [
        {"type": key, "label": EVENT_LABELS.get(key, key), "text": text, "checked": key in chosen}
        for key, text in EVENT_TYPES.items()
    ]


def _form_values(request: HttpRequest) -> dict:
    return {
        "url": request.POST.get("url", "").strip(),
        "description": request.POST.get("description", "").strip(),
        "events": request.POST.getlist("events"),
        "is_active": bool(request.POST.get("is_active")),
    }


@require_http_methods(["GET", "POST"])
@admin_page
def endpoints(request: HttpRequest, admin: Membership) -> HttpResponse:
    values = {"url": "", "description": "", "events": [], "is_active": True}
    error = ""
    if request.method == "POST":
        values = _form_values(request)
        try:
            created = services.webhook_endpoint_create(actor=admin, **values)
        except DomainError as refused:
            error = refusal_text(refused)
        else:
            request.session[_secret_key(created.endpoint.pk)] = created.secret
            return redirect("admin_webhooks:endpoint", endpoint_id=created.endpoint.pk)
    rows = (
        WebhookEndpoint.objects.for_org(admin.organization)
        .annotate(
            dead=Count("deliveries", filter=Q(deliveries__status=Status.DEAD)),
            waiting=Count("deliveries", filter=Q(deliveries__status__in=[Status.PENDING, Status.SENDING])),
        )
        .order_by("id")
    )
    context = {
        "endpoints": rows,
        "values": values,
        "event_choices": _event_choices(values["events"]),
        "error": error,
        "limit": services.MAX_ENDPOINTS,
    }
    return render(request, "admin_webhooks/list.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@admin_page
def endpoint_detail(request: HttpRequest, admin: Membership, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(admin, endpoint_id)
    error = ""
    if request.method == "POST":
        try:
            services.webhook_endpoint_update(actor=admin, endpoint=endpoint, **_form_values(request))
        except DomainError as refused:
            error = refusal_text(refused)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("admin_webhooks:endpoint", endpoint_id=endpoint.pk)
    wanted = request.GET.get("status", "")
    deliveries = endpoint.deliveries.select_related("event").order_by("-sequence", "-id")
    if wanted in Status.values:
        deliveries = deliveries.filter(status=wanted)
    else:
        wanted = ""
    page = Paginator(deliveries, DELIVERIES_PAGE_SIZE).get_page(request.GET.get("page"))
    for delivery in page:
        delivery.event_label = EVENT_LABELS.get(delivery.event.type, delivery.event.type)
        delivery.status_label = STATUS_LABELS[delivery.status]
        delivery.badge = STATUS_BADGES[delivery.status]
    context = {
        "endpoint": endpoint,
        "secret": request.session.pop(_secret_key(endpoint.pk), ""),
        "event_choices": _event_choices(endpoint.events),
        "page": page,
        "status": wanted,
        "statuses": [(value, STATUS_LABELS[value]) for value in Status.values],
        "dead": endpoint.deliveries.filter(status=Status.DEAD).count(),
        "error": error,
        "org_tz": admin.organization.tzinfo,
    }
    return render(request, "admin_webhooks/detail.html", context, status=400 if error else 200)


@require_POST
@admin_page
def endpoint_delete(request: HttpRequest, admin: Membership, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(admin, endpoint_id)
    services.webhook_endpoint_delete(actor=admin, endpoint=endpoint)
    messages.success(request, _("Webhook removed; its deliveries are gone too."))
    return redirect("admin_webhooks:home")


@require_POST
@admin_page
def replay_dead(request: HttpRequest, admin: Membership, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(admin, endpoint_id)
    count = services.webhook_dead_letters_replay(actor=admin, endpoint=endpoint)
    if count:
        messages.success(request, _("%(count)s dead letters are being sent again.") % {"count": count})
    else:
        messages.warning(request, _("There were no dead letters to send again."))
    return redirect("admin_webhooks:endpoint", endpoint_id=endpoint.pk)


@require_POST
@admin_page
def replay_one(request: HttpRequest, admin: Membership, delivery_id: int) -> HttpResponse:
    try:
        delivery = services.webhook_delivery_get(actor=admin, delivery_id=delivery_id)
    except DomainError as error:
        raise Http404(error.message) from error
    try:
        services.webhook_delivery_replay(actor=admin, delivery=delivery)
    except DomainError:
        delivery.refresh_from_db(fields=["status"])
        status = str(STATUS_LABELS[delivery.status]).lower()
        messages.error(
            request, _("Only a dead letter can be sent again; this one is: %(status)s.") % {"status": status}
        )
    else:
        messages.success(request, _("The delivery is being sent again."))
    return redirect("admin_webhooks:endpoint", endpoint_id=delivery.endpoint_id)
