"""Adjustment requests: a member asks to fix a day; their manager or an admin decides.

pending -> approved | rejected | cancelled, through the shared decision path (decisions.py). Approving writes
the corrected punches (source "adjustment") and recomputes the day in the same transaction: the record's
status becomes "adjusted", its source stays.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance.models import AdjustmentRequest, Punch
from apps.attendance.services._common import (
    Outcome,
    clean_text,
    fingerprint,
    local_today,
    validate_idempotency_key,
)
from apps.attendance.services.decisions import (
    DecisionRules,
    ensure_none_pending_on,
    register_decision_rules,
    request_cancel,
    request_create,
    request_decide,
)
from apps.core.errors import ValidationFailed

Kind = AdjustmentRequest.Kind
MAX_AGE_DAYS = 366


def _validate_times(
    *, member: Membership, kind: str, work_date: date, requested_in_at, requested_out_at
) -> None:
    if kind not in Kind.values:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("kind must be one of %(kinds)s.") % {"kinds": ", ".join(Kind.values)},
            {"field": "kind"},
        )
    today = local_today(member)
    if work_date > today:
        raise ValidationFailed(
            "DATE_IN_FUTURE", _("An adjustment can only be asked for a past day or today.")
        )
    if work_date < today - timedelta(days=MAX_AGE_DAYS):
        raise ValidationFailed(
            "VALIDATION_ERROR", _("This day is too long ago to adjust."), {"field": "workDate"}
        )
    wants_in = kind in {Kind.MISSED_CHECK_IN, Kind.TIME_CORRECTION}
    wants_out = kind in {Kind.MISSED_CHECK_OUT, Kind.TIME_CORRECTION}
    if kind == Kind.MISSED_CHECK_IN and (requested_in_at is None or requested_out_at is not None):
        raise ValidationFailed(
            "VALIDATION_ERROR", _("A missed check-in gives requestedInAt only."), {"field": "requestedInAt"}
        )
    if kind == Kind.MISSED_CHECK_OUT and (requested_out_at is None or requested_in_at is not None):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("A missed check-out gives requestedOutAt only."),
            {"field": "requestedOutAt"},
        )
    if kind == Kind.TIME_CORRECTION and requested_in_at is None and requested_out_at is None:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("A time correction gives requestedInAt, requestedOutAt or both.")
        )
    tz = member.organization.tzinfo
    # A night shift's day runs into the next calendar day.
    window_start = datetime.combine(work_date, time.min, tzinfo=tz)
    window_end = datetime.combine(work_date + timedelta(days=2), time.min, tzinfo=tz)
    for field, value, wanted in (
        ("requestedInAt", requested_in_at, wants_in),
        ("requestedOutAt", requested_out_at, wants_out),
    ):
        if value is None or not wanted:
            continue
        if timezone.is_naive(value):
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("%(field)s needs a timezone offset.") % {"field": field},
                {"field": field},
            )
        if not window_start <= value < window_end or value > timezone.now():
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("%(field)s must be on the work date (or the night after it) and not in the future.")
                % {"field": field},
                {"field": field},
            )
    if requested_in_at and requested_out_at and requested_out_at <= requested_in_at:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("requestedOutAt must be after requestedInAt."), {"field": "requestedOutAt"}
        )


def adjustment_request_create(
    *,
    member: Membership,
    kind: str,
    work_date: date,
    reason: str,
    requested_in_at: datetime | None = None,
    requested_out_at: datetime | None = None,
    idempotency_key: str = "",
    actor: Membership | None = None,
) -> Outcome[AdjustmentRequest]:
    """Ask for a day to be fixed. 409 REQUEST_ALREADY_PENDING when one is already pending for that day.
    `actor`: who asks on the member's behalf (payroll's batch resolve), when not the member."""
    reason = clean_text(reason, field="reason", max_length=500, required=True)
    _validate_times(
        member=member,
        kind=kind,
        work_date=work_date,
        requested_in_at=requested_in_at,
        requested_out_at=requested_out_at,
    )
    key = validate_idempotency_key(idempotency_key)
    request_fingerprint = fingerprint(
        {
            "kind": kind,
            "workDate": work_date,
            "reason": reason,
            "requestedInAt": requested_in_at,
            "requestedOutAt": requested_out_at,
        }
    )
    return request_create(
        model=AdjustmentRequest,
        member=member,
        values={
            "work_date": work_date,
            "kind": kind,
            "requested_in_at": requested_in_at,
            "requested_out_at": requested_out_at,
            "reason": reason,
        },
        dates=[work_date],
        idempotency_key=key,
        request_fingerprint=request_fingerprint,
        audit_details={"kind": kind, "workDate": work_date},
        actor=actor,
        checks=lambda: ensure_none_pending_on(
            AdjustmentRequest,
            member=member,
            work_date=work_date,
            message=_("An adjustment for this day is already waiting for a decision."),
        ),
    )


class AdjustmentRules(DecisionRules):
    """Approving writes the corrected punches (source "adjustment"); only a pending request is cancelled."""

    noun = "adjustment"

    def event_data(self, request: AdjustmentRequest) -> dict:
        return {
            "requestId": request.pk,
            "kind": request.kind,
            "workDate": request.work_date,
            "requestedInAt": request.requested_in_at,
            "requestedOutAt": request.requested_out_at,
        }

    def dates(self, request: AdjustmentRequest) -> list[date]:
        return [request.work_date]

    def on_approve(self, request: AdjustmentRequest, approver: Membership) -> dict:
        for kind, moment in (
            (Punch.Kind.IN, request.requested_in_at),
            (Punch.Kind.OUT, request.requested_out_at),
        ):
            if moment is not None:
                Punch.objects.create(
                    organization=request.organization,
                    member=request.member,
                    occurred_at=moment,
                    work_date=request.work_date,
                    kind=kind,
                    source=Punch.Source.ADJUSTMENT,
                    adjustment=request,
                )
        return {"member": request.member_id, "workDate": request.work_date, "kind": request.kind}


register_decision_rules(AdjustmentRequest, AdjustmentRules())


def adjustment_request_approve(
    *, request: AdjustmentRequest, approver: Membership, comment: str = ""
) -> AdjustmentRequest:
    """Approve a pending request and apply it to the day's record, in one transaction."""
    return request_decide(request=request, approver=approver, verb="approve", comment=comment)


def adjustment_request_reject(
    *, request: AdjustmentRequest, approver: Membership, comment: str
) -> AdjustmentRequest:
    """Reject a pending request; the comment (why) is required."""
    return request_decide(request=request, approver=approver, verb="reject", comment=comment)


def adjustment_request_cancel(*, request: AdjustmentRequest, actor: Membership) -> AdjustmentRequest:
    """The requester (or an admin) withdraws a pending request."""
    return request_cancel(request=request, actor=actor)
