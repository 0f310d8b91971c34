"""Adjustment requests: create, list, read, approve, reject and cancel, made from the kind's description."""

from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.api.views.request_kinds import (
    RequestKind,
    decision_view,
    request_detail_view,
    request_list_view,
)

ADJUSTMENT = RequestKind(
    operation="attendance_adjustment",
    input=s.AdjustmentIn,
    output=s.AdjustmentOut,
    page=s.AdjustmentsPageOut,
    list_selector=selectors.adjustment_requests_for,
    getter=selectors.adjustment_request_get,
    create=services.adjustment_request_create,
    create_description="Ask to fix a day: missed_check_in (requestedInAt), missed_check_out (requestedOutAt) "
    "or time_correction (either or both), with a reason.",
)

AdjustmentsView = request_list_view(ADJUSTMENT)
AdjustmentDetailView = request_detail_view(ADJUSTMENT)
AdjustmentApproveView = decision_view(
    ADJUSTMENT,
    verb="approve",
    description="Approve and apply to the day's record (status adjusted). Manager or admin only, never the "
    "requester; a decided request is 409 REQUEST_NOT_PENDING.",
)
AdjustmentRejectView = decision_view(ADJUSTMENT, verb="reject", description="Reject; a comment is required.")
AdjustmentCancelView = decision_view(
    ADJUSTMENT, verb="cancel", description="Withdraw your own pending request."
)
