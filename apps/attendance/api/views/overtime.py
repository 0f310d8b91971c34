"""Overtime requests: create, list, read, approve, reject and cancel, made from the kind's description."""

from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.api.views.request_kinds import (
    RequestKind,
    decision_view,
    request_detail_view,
    request_list_view,
)

OVERTIME = RequestKind(
    operation="attendance_overtime_request",
    input=s.OvertimeRequestIn,
    output=s.OvertimeRequestOut,
    page=s.OvertimeRequestsPageOut,
    list_selector=selectors.overtime_requests_for,
    getter=selectors.overtime_request_get,
    create=services.overtime_request_create,
    create_description="Ask for minutes (1-1440) of overtime on a work date (up to 31 days ahead), with a "
    "reason. Where the overtime rule requires approval, approved requests are the overtime the payroll "
    "summary counts. 409 REQUEST_ALREADY_PENDING, 409 PERIOD_LOCKED.",
)

OvertimeRequestsView = request_list_view(OVERTIME)
OvertimeRequestDetailView = request_detail_view(OVERTIME)
OvertimeApproveView = decision_view(
    OVERTIME,
    verb="approve",
    description="Approve: the minutes count as overtime where the rule requires approval. Manager or admin "
    "only, never the requester; 409 REQUEST_NOT_PENDING, 409 PERIOD_LOCKED.",
)
OvertimeRejectView = decision_view(OVERTIME, verb="reject", description="Reject; a comment is required.")
OvertimeCancelView = decision_view(
    OVERTIME,
    verb="cancel",
    description="Cancel your pending or approved overtime request (an admin may cancel anyone's).",
)
