"""Overtime requests: a member asks for minutes of overtime on one work date; their manager or an admin
decides through the shared decision path (decisions.py).

Where the organization's overtime rule requires approval, the payroll summary counts the approved
requests' minutes (then the rule's minimum, rounding and cap). Deciding one changes no daily record, so
nothing is recomputed, and a recompute of the day leaves the request as it is. An approved request may be
cancelled (by the requester or an admin) while its date is not locked; it then no longer counts.
"""

from datetime import date, timedelta

from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance.models import OvertimeRequest, RequestStatus
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

MAX_MINUTES = 1440
MAX_AGE_DAYS = 366
MAX_AHEAD_DAYS = 31  # overtime may be asked for ahead of the day (planned work)
ACTIVE_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


def _validate(*, member: Membership, work_date: date, minutes) -> None:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("minutes must be a whole number from 1 to %(max)s.") % {"max": MAX_MINUTES},
            {"field": "minutes"},
        )
    today = local_today(member)
    if work_date > today + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationFailed(
            "DATE_IN_FUTURE",
            _("Overtime can be asked for at most %(days)s days ahead.") % {"days": MAX_AHEAD_DAYS},
            {"field": "workDate"},
        )
    if work_date < today - timedelta(days=MAX_AGE_DAYS):
        raise ValidationFailed(
            "VALIDATION_ERROR", _("This day is too long ago to ask for overtime."), {"field": "workDate"}
        )


def overtime_request_create(
    *, member: Membership, work_date: date, minutes: int, reason: str, idempotency_key: str = ""
) -> Outcome[OvertimeRequest]:
    """Ask for `minutes` of overtime on `work_date`. 409 REQUEST_ALREADY_PENDING when one is already waiting
    for that day; 409 PERIOD_LOCKED inside a locked period."""
    reason = clean_text(reason, field="reason", max_length=500, required=True)
    _validate(member=member, work_date=work_date, minutes=minutes)
    key = validate_idempotency_key(idempotency_key)
    request_fingerprint = fingerprint({"workDate": work_date, "minutes": minutes, "reason": reason})
    return request_create(
        model=OvertimeRequest,
        member=member,
        values={"work_date": work_date, "minutes": minutes, "reason": reason},
        dates=[work_date],
        idempotency_key=key,
        request_fingerprint=request_fingerprint,
        audit_details={"workDate": work_date, "minutes": minutes},
        checks=lambda: ensure_none_pending_on(
            OvertimeRequest,
            member=member,
            work_date=work_date,
            message=_("An overtime request for this day is already waiting for a decision."),
        ),
    )


class OvertimeRules(DecisionRules):
    """Approving has no effect beyond the status (the summary reads approved requests); pending and approved
    requests may be cancelled; no record changes, so nothing is recomputed."""

    noun = "overtime"
    cancellable = ACTIVE_STATUSES
    cancel_records_time = False  # an approved request keeps when it was approved
    recomputes = False

    def event_data(self, request: OvertimeRequest) -> dict:
        return {"requestId": request.pk, "workDate": request.work_date, "minutes": request.minutes}

    def dates(self, request: OvertimeRequest) -> list[date]:
        return [request.work_date]

    def on_approve(self, request: OvertimeRequest, approver: Membership) -> dict:
        return {"member": request.member_id, "workDate": request.work_date, "minutes": request.minutes}


register_decision_rules(OvertimeRequest, OvertimeRules())


def overtime_request_approve(
    *, request: OvertimeRequest, approver: Membership, comment: str = ""
) -> OvertimeRequest:
    return request_decide(request=request, approver=approver, verb="approve", comment=comment)


def overtime_request_reject(
    *, request: OvertimeRequest, approver: Membership, comment: str
) -> OvertimeRequest:
    return request_decide(request=request, approver=approver, verb="reject", comment=comment)


def overtime_request_cancel(*, request: OvertimeRequest, actor: Membership) -> OvertimeRequest:
    return request_cancel(request=request, actor=actor)
