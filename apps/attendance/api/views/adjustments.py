"""Adjustment requests: create, list, read; approve, reject and cancel through the shared decision view."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, CanWrite, HasMembership, require_membership
from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.api.views._common import (
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    REQUEST_LIST_PARAMETERS,
    created,
    decision_view,
    idempotency_key,
    paginated,
    request_scope,
)


class AdjustmentsView(APIView):
    permission_classes = [HasMembership, CanWrite]

    def get_permissions(self):
        return [HasMembership(), CanRead()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="attendance_adjustments_list",
        tags=["attendance"],
        parameters=REQUEST_LIST_PARAMETERS,
        responses={200: s.AdjustmentsPageOut, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        membership = require_membership(request)
        scope, wanted = request_scope(request)
        requests = selectors.adjustment_requests_for(viewer=membership, scope=scope, status=wanted)
        return paginated(request, self, requests, s.AdjustmentOut)

    @extend_schema(
        operation_id="attendance_adjustment_create",
        tags=["attendance"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.AdjustmentIn,
        responses={201: s.AdjustmentOut, **ERRORS},
        description="Ask to fix a day: missed_check_in (requestedInAt), missed_check_out (requestedOutAt) "
        "or time_correction (either or both), with a reason.",
    )
    def post(self, request):
        membership = require_membership(request)
        key = idempotency_key(request)
        data = s.AdjustmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.adjustment_request_create(
            member=membership, idempotency_key=key, **data.validated_data
        )
        return created(outcome, s.AdjustmentOut)


class AdjustmentDetailView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_adjustment_get",
        tags=["attendance"],
        responses={200: s.AdjustmentOut, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk: int):
        membership = require_membership(request)
        return Response(
            s.AdjustmentOut(selectors.adjustment_request_get(viewer=membership, request_id=pk)).data
        )


AdjustmentApproveView = decision_view(
    getter=selectors.adjustment_request_get,
    verb="approve",
    out=s.AdjustmentOut,
    operation_id="attendance_adjustment_approve",
    description="Approve and apply to the day's record (status adjusted). Manager or admin only, never the "
    "requester; a decided request is 409 REQUEST_NOT_PENDING.",
)
AdjustmentRejectView = decision_view(
    getter=selectors.adjustment_request_get,
    verb="reject",
    out=s.AdjustmentOut,
    operation_id="attendance_adjustment_reject",
    description="Reject; a comment is required.",
)
AdjustmentCancelView = decision_view(
    getter=selectors.adjustment_request_get,
    verb="cancel",
    out=s.AdjustmentOut,
    operation_id="attendance_adjustment_cancel",
    description="Withdraw your own pending request.",
)
