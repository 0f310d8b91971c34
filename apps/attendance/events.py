"""The webhook events attendance writes, each inside the transaction of its change.

Requests of every kind go through the decision mechanism (services/decisions.py): its create service calls
`decisions.request_submitted(request)` (the `<noun>.submitted` event) and every decision (approve, reject,
cancel) writes `<noun>.decided` from the one decision path. The noun and what the event says about the
request come from the kind's registered DecisionRules (`noun`, `event_data`), so a new kind (overtime) gets
both events by registering its rules; its types must be in apps.audit.webhooks.events.EVENT_TYPES
("overtime.submitted/decided" are; tests/webhooks checks every registered kind).
"""

from apps.attendance.models import Punch
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


def request_submitted(request, *, noun: str, data: dict) -> None:
    """A new request of any kind (`data` from its DecisionRules.event_data)."""
    event_emit(
        organization=request.organization,
        type=f"{noun}.submitted",
        subject=member_subject(request.member_id),
        data={**data, "member": _member(request.member), "status": request.status},
    )


def request_decided(request, *, noun: str, data: dict, decided_by=None) -> None:
    """An approval, a rejection or a cancellation (`status` says which)."""
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
