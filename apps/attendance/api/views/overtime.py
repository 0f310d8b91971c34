"""Overtime requests: create, list, read; approve, reject and cancel through the shared decision view."""

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


class OvertimeRequestsView(APIView):
    permission_classes = [HasMembership, CanWrite]

    def get_permissions(self):
        return [HasMembership(), CanRead()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="attendance_overtime_requests_list",
        tags=["attendance"],
        parameters=REQUEST_LIST_PARAMETERS,
        responses={200: s.OvertimeRequestsPageOut, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        membership = require_membership(request)
        scope, wanted = request_scope(request)
        requests = selectors.overtime_requests_for(viewer=membership, scope=scope, status=wanted)
        return paginated(request, self, requests, s.OvertimeRequestOut)

    @extend_schema(
        operation_id="attendance_overtime_request_create",
        tags=["attendance"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.OvertimeRequestIn,
        responses={201: s.OvertimeRequestOut, **ERRORS},
        description="Ask for minutes (1-1440) of overtime on a work date (up to 31 days ahead), with a reason. "
        "Where the overtime rule requires approval, approved requests are the overtime the payroll summary "
        "counts. 409 REQUEST_ALREADY_PENDING, 409 PERIOD_LOCKED.",
    )
    def post(self, request):
        membership = require_membership(request)
        key = idempotency_key(request)
        data = s.OvertimeRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.overtime_request_create(
            member=membership, idempotency_key=key, **data.validated_data
        )
        return created(outcome, s.OvertimeRequestOut)


class OvertimeRequestDetailView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_overtime_request_get",
        tags=["attendance"],
        responses={200: s.OvertimeRequestOut, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk: int):
        membership = require_membership(request)
        return Response(
            s.OvertimeRequestOut(selectors.overtime_request_get(viewer=membership, request_id=pk)).data
        )


OvertimeApproveView = decision_view(
    getter=selectors.overtime_request_get,
    verb="approve",
    out=s.OvertimeRequestOut,
    operation_id="attendance_overtime_request_approve",
    description="Approve: the minutes count as overtime where the rule requires approval. Manager or admin "
    "only, never the requester; 409 REQUEST_NOT_PENDING, 409 PERIOD_LOCKED.",
)
OvertimeRejectView = decision_view(
    getter=selectors.overtime_request_get,
    verb="reject",
    out=s.OvertimeRequestOut,
    operation_id="attendance_overtime_request_reject",
    description="Reject; a comment is required.",
)
OvertimeCancelView = decision_view(
    getter=selectors.overtime_request_get,
    verb="cancel",
    out=s.OvertimeRequestOut,
    operation_id="attendance_overtime_request_cancel",
    description="Cancel your pending or approved overtime request (an admin may cancel anyone's).",
)
