"""Helpers the attendance services share: member locks, idempotency keys, decision rights."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.models import RequestStatus
from apps.audit.models import OperationLog
from apps.audit.services import audit_record
from apps.core.errors import Conflict, DomainError, Forbidden, ValidationFailed

T = TypeVar("T")

IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What an idempotent create returns: the object, and whether it was a replay of an earlier call."""

    obj: T
    replayed: bool = False


R = TypeVar("R")


def lock_member(member: Membership) -> None:
    """Serialise the attendance writes of one member (punch, approval, leave balance) on PostgreSQL.

    A row lock on the membership is the one place every such write meets, so two approvals racing for the
    last day of leave, or fifty retries of one punch, run one after the other. SQLite serialises writers
    anyway.

    Only the membership row is locked, and only its key is read: with the organization joined (as this
    once did) PostgreSQL locks the organization row too, and every attendance write of the organization
    queued behind every other one for the length of its transaction (issue 16: 13 clock-ins/s with 50
    clients).
    """
    list(Membership.objects.select_for_update().filter(pk=member.pk).order_by().values_list("pk"))


def validate_idempotency_key(key: str) -> str:
    key = (key or "").strip()
    if key and not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise ValidationFailed(
            "IDEMPOTENCY_KEY_INVALID",
            _("The Idempotency-Key must be 1 to 128 printable ASCII characters."),
            {"field": "Idempotency-Key"},
        )
    return key


def fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(existing: T, request_fingerprint: str) -> Outcome[T]:
    if existing.request_fingerprint != request_fingerprint:
        raise Conflict(
            "IDEMPOTENCY_KEY_REUSED",
            _("This Idempotency-Key was already used for a different request."),
            {"id": existing.pk},
        )
    return Outcome(obj=existing, replayed=True)


def local_today(member: Membership) -> date:
    return timezone.localdate(timezone.now(), member.organization.tzinfo)


def is_org_admin(member: Membership) -> bool:
    return member.can(roles.ADMINISTER)


def can_decide(approver: Membership, member: Membership) -> bool:
    """A member's manager (with the approve permission) or an admin may decide; never the member."""
    if approver.organization_id != member.organization_id or approver.pk == member.pk:
        return False
    if is_org_admin(approver):
        return True
    return approver.can(roles.APPROVE) and member.manager_id == approver.pk


def ensure_can_decide(approver: Membership, member: Membership) -> None:
    if approver.pk == member.pk:
        raise Forbidden("CANNOT_DECIDE_OWN_REQUEST", _("You cannot decide your own request."))
    if not can_decide(approver, member):
        raise Forbidden(
            "FORBIDDEN", _("Only the member's manager or an administrator may decide this request.")
        )


def clean_text(value: str, *, field: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("%(field)s is required.") % {"field": field}, {"field": field}
        )
    if len(value) > max_length:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("%(field)s is longer than %(max_length)s characters.")
            % {"field": field, "max_length": max_length},
            {"field": field},
        )
    return value


def _already(status: str) -> str:
    """The refusal in words: the status is a stored code, never shown as it is."""
    return {
        RequestStatus.APPROVED: _("This request is already approved."),
        RequestStatus.REJECTED: _("This request is already rejected."),
        RequestStatus.CANCELLED: _("This request is already cancelled."),
    }.get(status, _("This request was already decided."))


def request_lock(
    request: R, *, allowed: tuple[str, ...] = (RequestStatus.PENDING,), related: tuple[str, ...] = ()
) -> R:
    """Lock the member, then re-read the request under a row lock; 409 REQUEST_NOT_PENDING unless its status
    is one of `allowed`. Every decision on a request goes through here."""
    lock_member(request.member)
    # Only the request row: the member is locked above, and the joined organization must stay free.
    request = (
        type(request).objects.select_for_update(of=("self",)).select_related(*related).get(pk=request.pk)
    )
    if request.status not in allowed:
        raise Conflict("REQUEST_NOT_PENDING", _already(request.status), {"status": request.status})
    return request


def decision_denied(action: str, actor: Membership, request, error: DomainError) -> None:
    """Record a refused decision (who tried, on what, and the code they got): "denied" when the actor may
    not decide, "failed" when the request could not be decided (the loser of two approvers deciding at
    once finds it decided, 409 REQUEST_NOT_PENDING; a locked period; a balance another approval used)."""
    audit_record(
        action=action,
        actor=actor,
        target=request,
        result=OperationLog.Result.DENIED if error.status_code in {401, 403} else OperationLog.Result.FAILED,
        details={"code": error.code},
    )
