"""The webhook events attendance writes, each inside the transaction of its change.

Every decision (approve, reject, cancel) of every request kind writes `<noun>.decided` from the one
decision path (services/decisions.py); a new kind (overtime) gets its event by registering its rules,
once its event type is in apps.audit.webhooks.events.EVENT_TYPES ("overtime.submitted/decided" are).
"""

from apps.attendance.models import AdjustmentRequest, LeaveRequest, Punch
from apps.audit.webhooks.events import event_emit, member_subject


def _member(member) -> dict:
    return {"memberId": member.pk, "username": member.user.username, "employeeNo": member.employee_no}


def punch_created(punch: Punch) -> None:
    event_emit(
        organization=punch.organization,
        type="punch.created",
        subject=member_subject(punch.member_id),
        data={
            "punchId": punch.pk,
            "member": _member(punch.member),
            "kind": punch.kind,
            "source": punch.source,
            "occurredAt": punch.occurred_at,
            "workDate": punch.work_date,
            "outsideGeofence": punch.outside_geofence,
        },
    )


def _request_data(request) -> tuple[str, dict]:
    """The request's noun and what its events say about it."""
    if isinstance(request, AdjustmentRequest):
        return "adjustment", {
            "requestId": request.pk,
            "kind": request.kind,
            "workDate": request.work_date,
            "requestedInAt": request.requested_in_at,
            "requestedOutAt": request.requested_out_at,
        }
    if isinstance(request, LeaveRequest):
        return "leave", {
            "requestId": request.pk,
            "leaveType": request.leave_type.code,
            "startDate": request.start_date,
            "endDate": request.end_date,
            "half": request.half,
            "amount": str(request.amount),
        }
    return type(request).__name__.lower().removesuffix("request"), {"requestId": request.pk}


def request_submitted(request) -> None:
    noun, data = _request_data(request)
    event_emit(
        organization=request.organization,
        type=f"{noun}.submitted",
        subject=member_subject(request.member_id),
        data={**data, "member": _member(request.member), "status": request.status},
    )


def request_decided(request, *, noun: str, decided_by=None) -> None:
    """An approval, a rejection or a cancellation (`status` says which)."""
    _noun, data = _request_data(request)
    event_emit(
        organization=request.organization,
        type=f"{noun}.decided",
        subject=member_subject(request.member_id),
        data={
            **data,
            "member": _member(request.member),
            "status": request.status,
            "decidedBy": decided_by.user.username if decided_by is not None else None,
            "decidedAt": request.decided_at,
            "comment": request.decision_comment,
        },
    )
