"""Deciding a request: one path for every kind a member asks and an approver decides.

pending -> approved | rejected | cancelled. The order is the same for every kind:

1. the comment is cleaned (required to reject);
2. the actor may decide (never their own request; their manager or an admin) - a refusal is audited;
3. in one transaction: the member is locked, the request re-read under a row lock (409 REQUEST_NOT_PENDING
   when it is no longer in a status the verb accepts), the period lock checked for the dates it touches,
   the kind's effect applied (punches, a ledger entry), the status written, the days recomputed, and one
   audit entry `attendance.<noun>.<verb>`, one webhook event `<noun>.decided` and the requester's
   notification written. A refusal inside the transaction (the request already decided: the loser of two
   approvers deciding at once; a locked period; a balance another approval used) rolls it back and is
   audited as a failed `attendance.<noun>.<verb>` with its code, by whoever tried.

A kind supplies only its own rules: a `DecisionRules` subclass registered for its model (see adjustments.py,
leave.py and overtime.py). A new kind registers its rules and gets approve / reject / cancel, the API
views, the inbox buttons and its webhook events from the same path. Asking is one path too:
`request_create` locks the member, replays an Idempotency-Key, checks the period lock, runs the kind's own
checks, creates the row, writes `attendance.<noun>.create` and the `<noun>.submitted` event.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, Literal, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance import events, hooks
from apps.attendance.models import DecidableRequest, RequestStatus
from apps.attendance.notifications import services as notifications
from apps.attendance.services._common import (
    Outcome,
    clean_text,
    decision_denied,
    ensure_can_decide,
    is_org_admin,
    lock_member,
    replay,
    request_lock,
)
from apps.attendance.services.records import recompute_days
from apps.audit.services import audit_record
from apps.core import metrics
from apps.core.errors import Conflict, DomainError, Forbidden

Verb = Literal["approve", "reject"]
K = TypeVar("K", bound=DecidableRequest)


class DecisionRules:
    """What one kind of request adds to the shared decision path. Override only what differs."""

    noun: ClassVar[str] = ""  # audit actions are attendance.<noun>.<verb>
    related: ClassVar[tuple[str, ...]] = ("member",)  # selected with the locked request
    cancellable: ClassVar[tuple[str, ...]] = (RequestStatus.PENDING,)
    cancel_records_time: ClassVar[bool] = True  # a cancel stamps decided_at
    recomputes: ClassVar[bool] = True  # whether a decision changes the days' records (overtime: no)

    def dates(self, request) -> list[date]:
        """The member's dates a decision touches: checked against the period lock, recomputed after."""
        raise NotImplementedError

    def on_approve(self, request, approver: Membership) -> dict[str, Any]:
        """The kind's effect of an approval (after the status is written); returns the audit details."""
        return {}

    def on_cancel_approved(self, request, actor: Membership) -> None:
        """Undo an approved request's effect when it is cancelled (only for kinds that allow it)."""

    def event_data(self, request) -> dict[str, Any]:
        """What the kind's webhook events (`<noun>.submitted`, `<noun>.decided`) say about the request,
        besides the member, status and decision that every kind's events carry."""
        return {"requestId": request.pk}


_rules: dict[type[DecidableRequest], DecisionRules] = {}


def register_decision_rules(model: type[DecidableRequest], rules: DecisionRules) -> None:
    _rules[model] = rules


def _rules_for(request: DecidableRequest) -> DecisionRules:
    return _rules[type(request)]


def request_submitted(request: DecidableRequest) -> None:
    """The hook a kind's create service calls inside its transaction, after the row and its audit entry:
    writes the `<noun>.submitted` webhook event from the kind's rules."""
    rules = _rules_for(request)
    events.request_submitted(request, noun=rules.noun, data=rules.event_data(request))
    notifications.request_submitted_notify(request, noun=rules.noun, dates=rules.dates(request))


def request_create(
    *,
    model: type[K],
    member: Membership,
    values: dict[str, Any],
    dates: list[date],
    idempotency_key: str,
    request_fingerprint: str,
    audit_details: dict[str, Any],
    actor: Membership | None = None,
    checks: Callable[[], None] | None = None,
) -> Outcome[K]:
    """Ask for something of any kind, in one transaction under the member's lock: the same Idempotency-Key
    with the same payload returns the first request (another payload: 409 IDEMPOTENCY_KEY_REUSED), 409
    PERIOD_LOCKED when a date of `dates` is locked, then the kind's `checks` (overlaps, a balance), the row
    with `values`, one audit entry `attendance.<noun>.create` (by `actor`, else the member) and the
    `<noun>.submitted` event. Two concurrent calls with one key create one row (the unique constraint)."""
    key = idempotency_key
    with transaction.atomic():
        lock_member(member)
        if key:
            existing = model.objects.filter(member=member, idempotency_key=key).first()
            if existing is not None:
                return replay(existing, request_fingerprint)
        hooks.ensure_unlocked(member=member, dates=dates)
        if checks is not None:
            checks()
        try:
            with transaction.atomic():
                request = model.objects.create(
                    organization=member.organization,
                    member=member,
                    **values,
                    idempotency_key=key,
                    request_fingerprint=request_fingerprint if key else "",
                )
        except IntegrityError:
            if not key:
                raise
            return replay(model.objects.get(member=member, idempotency_key=key), request_fingerprint)
        audit_record(
            action=f"attendance.{_rules[model].noun}.create",
            actor=actor or member,
            target=request,
            details=audit_details,
        )
        request_submitted(request)
    return Outcome(obj=request)


def ensure_none_pending_on(
    model: type[DecidableRequest], *, member: Membership, work_date: date, message: str
):
    """409 REQUEST_ALREADY_PENDING when `member` already has a pending request of `model` for `work_date`
    (the kinds asked for one day: adjustments and overtime)."""
    pending = model.objects.filter(member=member, work_date=work_date, status=RequestStatus.PENDING).first()
    if pending is not None:
        raise Conflict("REQUEST_ALREADY_PENDING", message, {"id": pending.pk})


def decidable_models() -> list[type[DecidableRequest]]:
    """Every registered kind of request (the inbox and the pending digest count them all)."""
    return list(_rules)


def _decided(request, rules: DecisionRules, actor: Membership) -> None:
    events.request_decided(request, noun=rules.noun, data=rules.event_data(request), decided_by=actor)
    notifications.request_decided_notify(request, noun=rules.noun, dates=rules.dates(request), actor=actor)


def _write_decision(request, *, status: str, approver: Membership, comment: str) -> None:
    request.status = status
    request.decided_by = approver
    request.decided_at = timezone.now()
    request.decision_comment = comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])


def _recompute(request, dates: list[date]) -> None:
    if not _rules_for(request).recomputes:
        return
    recompute_days(organization=request.organization, member_ids=[request.member_id], dates=dates)


def request_decide(*, request: DecidableRequest, approver: Membership, verb: Verb, comment: str = ""):
    """Approve or reject a pending request of any kind, in one transaction with one audit entry."""
    rules = _rules_for(request)
    action = f"attendance.{rules.noun}.{verb}"
    comment = clean_text(comment, field="comment", max_length=500, required=verb == "reject")
    try:
        ensure_can_decide(approver, request.member)
    except Forbidden as error:
        decision_denied(action, approver, request, error)
        raise
    try:
        return _decide_locked(request, rules=rules, approver=approver, verb=verb, comment=comment)
    except DomainError as error:  # rolled back; the attempt itself is kept
        decision_denied(action, approver, request, error)
        raise


def _decide_locked(request, *, rules: DecisionRules, approver: Membership, verb: Verb, comment: str):
    action = f"attendance.{rules.noun}.{verb}"
    with transaction.atomic():
        request = request_lock(request, related=rules.related)
        if verb == "reject":
            _write_decision(request, status=RequestStatus.REJECTED, approver=approver, comment=comment)
            audit_record(action=action, actor=approver, target=request)
            _decided(request, rules, approver)
            metrics.request_decided(request_type=rules.noun, decision="rejected")
            return request
        dates = rules.dates(request)
        hooks.ensure_unlocked(member=request.member, dates=dates)
        _write_decision(request, status=RequestStatus.APPROVED, approver=approver, comment=comment)
        details = rules.on_approve(request, approver)
        _recompute(request, dates)
        audit_record(action=action, actor=approver, target=request, details=details)
        _decided(request, rules, approver)
        metrics.request_decided(request_type=rules.noun, decision="approved")
    return request


def request_cancel(*, request: DecidableRequest, actor: Membership):
    """The requester (or an admin of the organization) withdraws a request; an approved one, where the kind
    allows it, gets its effect undone and its days recomputed."""
    rules = _rules_for(request)
    action = f"attendance.{rules.noun}.cancel"
    if actor.pk != request.member_id and not (
        is_org_admin(actor) and actor.organization_id == request.organization_id
    ):
        error = Forbidden("FORBIDDEN", _("Only the requester may cancel this request."))
        decision_denied(action, actor, request, error)
        raise error
    try:
        return _cancel_locked(request, rules=rules, actor=actor)
    except DomainError as error:  # rolled back; the attempt itself is kept
        decision_denied(action, actor, request, error)
        raise


def _cancel_locked(request, *, rules: DecisionRules, actor: Membership):
    action = f"attendance.{rules.noun}.cancel"
    with transaction.atomic():
        request = request_lock(request, allowed=rules.cancellable, related=rules.related)
        was_approved = request.status == RequestStatus.APPROVED
        dates = rules.dates(request) if was_approved else []
        if was_approved:
            hooks.ensure_unlocked(member=request.member, dates=dates)
            rules.on_cancel_approved(request, actor)
        request.status = RequestStatus.CANCELLED
        fields = ["status", "updated_at"]
        if rules.cancel_records_time:
            request.decided_at = timezone.now()
            fields.append("decided_at")
        request.save(update_fields=fields)
        if was_approved:
            _recompute(request, dates)
        details = {"wasApproved": was_approved} if RequestStatus.APPROVED in rules.cancellable else {}
        audit_record(action=action, actor=actor, target=request, details=details)
        _decided(request, rules, actor)
        metrics.request_decided(request_type=rules.noun, decision="cancelled")
    return request
