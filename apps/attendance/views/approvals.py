"""The approver inbox `/attendance/approvals/`: the team's pending requests, decided one by one (with a
comment; rejecting needs one) or several at once.

With htmx a decided row disappears in place and a line above the table says what happened; a row that
cannot be decided (already decided elsewhere, a locked period, no balance left) stays with the service's
message. Without JavaScript every button posts the whole form and is redirected back with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.access import roles
from apps.access.models import Membership
from apps.attendance import selectors, services, team
from apps.attendance.forms import BulkApproveForm, DecisionForm
from apps.attendance.views._common import fetch_or_404, htmx_partial, member_with, vary_on_htmx
from apps.core.errors import DomainError

GETTERS = {
    "adjustment": selectors.adjustment_request_get,
    "leave": selectors.leave_request_get,
    "overtime": selectors.overtime_request_get,
}


def _inbox_context(approver: Membership, *, feedback: list[tuple[str, str]] = ()) -> dict:
    pending = selectors.pending_team_requests(approver=approver)
    adjustments = list(pending["adjustments"])
    leave = list(pending["leave"])
    overtime = list(pending["overtime"])
    facts = team.decision_context(viewer=approver, adjustments=adjustments, leave=leave)
    return {
        "adjustment_rows": [
            (r, DecisionForm(prefix=f"adjustment-{r.pk}"), facts[("adjustment", r.pk)]) for r in adjustments
        ],
        "leave_rows": [(r, DecisionForm(prefix=f"leave-{r.pk}"), facts[("leave", r.pk)]) for r in leave],
        "overtime_rows": [(r, DecisionForm(prefix=f"overtime-{r.pk}")) for r in overtime],
        "pending_count": len(adjustments) + len(leave) + len(overtime),
        "feedback": list(feedback),
        "org_tz": approver.organization.tzinfo,
    }


def _facts(approver: Membership, kind: str, target) -> team.RequestContext:
    rows = {
        "adjustments": [target] if kind == "adjustment" else [],
        "leave": [target] if kind == "leave" else [],
    }
    return team.decision_context(viewer=approver, **rows).get((kind, target.pk), team.RequestContext())


def _error_text(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


def _inbox_url() -> str:
    return reverse("attendance:approvals")


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    approver = member_with(request, roles.APPROVE)
    context = _inbox_context(approver)
    template = "attendance/_inbox.html" if htmx_partial(request) else "attendance/approvals.html"
    return vary_on_htmx(render(request, template, context))


@require_POST
@login_required
def decide(request: HttpRequest, kind: str, pk: int, verb: str) -> HttpResponse:
    approver = member_with(request, roles.APPROVE)
    target = fetch_or_404(GETTERS[kind], viewer=approver, request_id=pk)
    form = DecisionForm(request.POST, prefix=f"{kind}-{pk}")
    status = 400
    if form.is_valid():
        try:
            services.request_decide(
                request=target, approver=approver, verb=verb, comment=form.cleaned_data["comment"]
            )
        except DomainError as error:
            form.add_service_error(error)
            status = error.status_code
        else:
            status = 200
    if status == 200:
        done = (
            _("Approved the request of %(name)s.")
            if verb == "approve"
            else _("Rejected the request of %(name)s.")
        ) % {"name": target.member.name}
        if not htmx_partial(request):
            messages.success(request, done)
            return HttpResponseRedirect(_inbox_url())
        return _decided(request, approver, kind, done)
    if not htmx_partial(request):
        messages.error(request, _error_text(form))
        return HttpResponseRedirect(_inbox_url())
    target.refresh_from_db(fields=["status"])
    return render(
        request,
        "attendance/_row.html",
        {
            "kind": kind,
            "item": target,
            "form": form,
            "facts": _facts(approver, kind, target),
            "org_tz": approver.organization.tzinfo,
        },
        status=status,
    )


def _decided(request: HttpRequest, approver: Membership, kind: str, done: str) -> HttpResponse:
    """The htmx answer to a decision: the row is replaced by nothing, and the feedback line and the
    navigation's count are swapped out of band. When that was the last request of its table the table goes
    too (no header left alone), and when it was the last of all, the whole inbox says it is done."""
    pending = selectors.pending_team_requests(approver=approver)
    left = {
        "adjustment": pending["adjustments"].exists(),
        "leave": pending["leave"].exists(),
        "overtime": pending["overtime"].exists(),
    }
    if not any(left.values()):
        context = _inbox_context(approver, feedback=[("success", done)])
        return reswap(
            retarget(render(request, "attendance/_inbox_swap.html", context), "#inbox"), "outerHTML"
        )
    context = {
        "feedback": [("success", done)],
        "pending_count": selectors.pending_team_count(approver=approver),
    }
    response = render(request, "attendance/_decided.html", context)
    if not left[kind]:
        return reswap(retarget(response, f"#{kind}-section"), "outerHTML")
    return response


@require_POST
@login_required
def bulk_approve(request: HttpRequest) -> HttpResponse:
    approver = member_with(request, roles.APPROVE)
    form = BulkApproveForm(request.POST, prefix="bulk")
    status = 200
    if not form.is_valid():
        feedback = [("error", _error_text(form))]
        status = 400
    else:
        results = services.requests_bulk_approve(
            approver=approver,
            adjustment_ids=form.cleaned_data["adjustment"],
            leave_ids=form.cleaned_data["leave"],
            overtime_ids=form.cleaned_data["overtime"],
            comment=form.cleaned_data["comment"],
        )
        approved = sum(1 for r in results if r.ok)
        feedback = []
        if approved:
            count = ngettext("Approved %(count)d request.", "Approved %(count)d requests.", approved)
            feedback.append(("success", count % {"count": approved}))
        feedback += [
            (
                "error",
                _("Request %(id)s: %(message)s") % {"id": r.id, "message": r.message},
            )
            for r in results
            if not r.ok
        ]
    if not htmx_partial(request):
        for level, message in feedback:
            messages.add_message(request, messages.SUCCESS if level == "success" else messages.ERROR, message)
        return HttpResponseRedirect(_inbox_url())
    return render(
        request, "attendance/_inbox_swap.html", _inbox_context(approver, feedback=feedback), status=status
    )
