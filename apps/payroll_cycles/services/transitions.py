"""A payroll cycle's moves: open -> locked -> closed -> archived, back by unlock and reopen (with a reason).

A locked, closed or archived cycle freezes its dates for every attendance write (locks.py, the triggers of
migration 0002). Closing writes a settlement snapshot per member (snapshots.py); reopening needs a reason,
and the next close writes the next version. Every move is `cycle_transition(action=...)`: one table says
where each may start and where it ends; the API's and the pages' move views take the action from the URL.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.access.models import Membership
from apps.audit.services import audit_record
from apps.audit.webhooks.events import payroll_cycle_event_emit
from apps.core.errors import Conflict, ValidationFailed
from apps.payroll_cycles.models import CycleTransition, PayrollCycle
from apps.payroll_cycles.services._common import ensure_admin, idempotent
from apps.payroll_cycles.services.cycles import cycle_for_update
from apps.payroll_cycles.services.snapshots import snapshot_write

Status = PayrollCycle.Status

TRANSITIONS = {
    "lock": ((Status.OPEN,), Status.LOCKED),
    "unlock": ((Status.LOCKED,), Status.OPEN),
    "close": ((Status.OPEN, Status.LOCKED), Status.CLOSED),
    "reopen": ((Status.CLOSED,), Status.OPEN),
    "archive": ((Status.CLOSED,), Status.ARCHIVED),
}
NEEDS_REASON = {"unlock", "reopen"}
# The transitions integrators hear about (webhook events payroll_cycle.<kind>), written with the change.
EVENTS = {"lock": "locked", "close": "closed", "reopen": "reopened"}
ACTION_PAST = {
    "lock": gettext_lazy("locked"),
    "unlock": gettext_lazy("unlocked"),
    "close": gettext_lazy("closed"),
    "reopen": gettext_lazy("reopened"),
    "archive": gettext_lazy("archived"),
}
STATUS_NAMES = {
    Status.OPEN: gettext_lazy("open"),
    Status.LOCKED: gettext_lazy("locked"),
    Status.CLOSED: gettext_lazy("closed"),
    Status.ARCHIVED: gettext_lazy("archived"),
}


CYCLE_ACTIONS = tuple(TRANSITIONS)  # the order the pages offer them in


def cycle_transition(
    *, actor: Membership, cycle: PayrollCycle, action: str, reason: str = "", idempotency_key: str = ""
) -> tuple[dict, bool]:
    """Move `cycle` by `action` (one of CYCLE_ACTIONS): 409 CYCLE_STATE_CONFLICT from a status the move does
    not start from; unlock and reopen need a `reason` (400 REASON_REQUIRED), the other moves ignore one. The
    same Idempotency-Key returns the first result. Returns (result, replayed)."""
    ensure_admin(actor)
    reason = (reason or "").strip() if action in NEEDS_REASON else ""
    key = idempotency_key
    if action in NEEDS_REASON and not reason:
        raise ValidationFailed(
            "REASON_REQUIRED",
            _("Say why: a reason is required to unlock or reopen a cycle."),
            {"fields": {"reason": [_("Required.")]}},
        )
    if len(reason) > 500:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("The reason is at most 500 characters."),
            {"fields": {"reason": [_("Too long.")]}},
        )
    allowed, target = TRANSITIONS[action]

    def run() -> dict:
        current = cycle_for_update(organization=actor.organization, cycle_id=cycle.pk)
        if current.status not in allowed:
            raise Conflict(
                "CYCLE_STATE_CONFLICT",
                _("This cycle is %(status)s: it cannot be %(action)s now.")
                % {"status": STATUS_NAMES[current.status], "action": ACTION_PAST[action]},
                {"status": current.status, "allowed": list(allowed)},
            )
        now = timezone.now()
        details: dict[str, Any] = {"from": current.status, "to": target}
        if action == "close":
            written = snapshot_write(cycle=current, now=now)
            current.snapshot_version = written.version
            current.closed_at = now
            details |= {"version": written.version, "members": written.members, "hash": written.digest}
        if action == "lock":
            current.locked_at = now
        if reason:
            details["reason"] = reason
        CycleTransition.objects.create(
            organization=current.organization,
            cycle=current,
            action=action,
            from_status=current.status,
            to_status=target,
            reason=reason,
            actor=actor,
        )
        current.status = target
        current.save()
        audit_record(action=f"payroll.cycle.{action}", actor=actor, target=current, details=details)
        if action in EVENTS:
            payroll_cycle_event_emit(
                cycle=current,
                kind=EVENTS[action],
                data={
                    "name": current.name,
                    "startDate": current.start_date,
                    "endDate": current.end_date,
                    "status": current.status,
                    "snapshotVersion": current.snapshot_version,
                    "reason": reason,
                    "by": actor.user.username,
                },
            )
        return {"id": current.pk, "status": current.status, "snapshot_version": current.snapshot_version}

    return idempotent(
        organization=actor.organization,
        key=key,
        operation=f"cycle.{action}",
        payload={"cycle": cycle.pk, "reason": reason},
        run=run,
    )


def cycle_lock(*, actor: Membership, cycle: PayrollCycle, idempotency_key: str = "") -> tuple[dict, bool]:
    return cycle_transition(actor=actor, cycle=cycle, action="lock", idempotency_key=idempotency_key)


def cycle_unlock(
    *, actor: Membership, cycle: PayrollCycle, reason: str, idempotency_key: str = ""
) -> tuple[dict, bool]:
    return cycle_transition(
        actor=actor, cycle=cycle, action="unlock", reason=reason, idempotency_key=idempotency_key
    )


def cycle_close(*, actor: Membership, cycle: PayrollCycle, idempotency_key: str = "") -> tuple[dict, bool]:
    return cycle_transition(actor=actor, cycle=cycle, action="close", idempotency_key=idempotency_key)


def cycle_reopen(
    *, actor: Membership, cycle: PayrollCycle, reason: str, idempotency_key: str = ""
) -> tuple[dict, bool]:
    return cycle_transition(
        actor=actor, cycle=cycle, action="reopen", reason=reason, idempotency_key=idempotency_key
    )


def cycle_archive(*, actor: Membership, cycle: PayrollCycle, idempotency_key: str = "") -> tuple[dict, bool]:
    return cycle_transition(actor=actor, cycle=cycle, action="archive", idempotency_key=idempotency_key)
