"""Leave: types, balances, the ledger, manual adjustments and requests."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, CanWrite, HasMembership, IsOrgAdmin, require_membership
from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.api.views._common import (
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    REQUEST_LIST_PARAMETERS,
    created,
    decision_view,
    idempotency_key,
    member_param,
    paginated,
    request_scope,
)


class LeaveTypesView(APIView):
    permission_classes = [HasMembership, CanRead]
    pagination_class = None

    @extend_schema(
        operation_id="attendance_leave_types_list", tags=["attendance"], responses=s.LeaveTypeOut(many=True)
    )
    def get(self, request):
        membership = require_membership(request)
        return Response(s.LeaveTypeOut(selectors.leave_types_for(viewer=membership), many=True).data)


class LeaveBalancesView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_leave_balances",
        tags=["attendance"],
        parameters=[OpenApiParameter("member", OpenApiTypes.STR, description="Username or employee number.")],
        responses={200: s.LeaveBalanceOut(many=True), 404: OpenApiTypes.OBJECT},
        description="Balances per leave type (the sum of the ledger), what pending requests would take, and "
        "what is available.",
    )
    def get(self, request):
        membership = require_membership(request)
        member = member_param(request, membership) or membership
        return Response(s.LeaveBalanceOut(selectors.leave_balances(member=member), many=True).data)


class LeaveBalanceAdjustView(APIView):
    permission_classes = [HasMembership, IsOrgAdmin]

    @extend_schema(
        operation_id="attendance_leave_balance_adjust",
        tags=["attendance"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.LeaveBalanceAdjustIn,
        responses={201: s.LedgerEntryOut, 403: OpenApiTypes.OBJECT, **ERRORS},
        description="Admins: correct a member's balance by hand (a ledger entry of kind adjustment, with a note).",
    )
    def post(self, request):
        membership = require_membership(request)
        key = idempotency_key(request)
        data = s.LeaveBalanceAdjustIn(data=request.data)
        data.is_valid(raise_exception=True)
        member = selectors.member_lookup(viewer=membership, identifier=data.validated_data["member"])
        leave_type = selectors.leave_type_lookup(viewer=membership, code=data.validated_data["leave_type"])
        outcome = services.leave_balance_adjust(
            member=member,
            leave_type=leave_type,
            amount=data.validated_data["amount"],
            note=data.validated_data["note"],
            actor=membership,
            idempotency_key=key,
        )
        return created(outcome, s.LedgerEntryOut)


class LeaveLedgerView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_leave_ledger",
        tags=["attendance"],
        parameters=[
            OpenApiParameter(
                "member", OpenApiTypes.STR, description="Username or employee number (default: you)."
            ),
            OpenApiParameter(
                "leaveType", OpenApiTypes.STR, description="A leave type's code (default: all)."
            ),
        ],
        responses={200: s.LedgerPageOut, 404: OpenApiTypes.OBJECT},
        description="The balance movements (accruals, usage, reversals, manual adjustments), oldest first.",
    )
    def get(self, request):
        membership = require_membership(request)
        member = member_param(request, membership) or membership
        code = request.query_params.get("leaveType", "")
        leave_type = selectors.leave_type_lookup(viewer=membership, code=code) if code else None
        return paginated(
            request, self, selectors.leave_ledger_for(member=member, leave_type=leave_type), s.LedgerEntryOut
        )


class LeaveRequestsView(APIView):
    permission_classes = [HasMembership, CanWrite]

    def get_permissions(self):
        return [HasMembership(), CanRead()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="attendance_leave_requests_list",
        tags=["attendance"],
        parameters=REQUEST_LIST_PARAMETERS,
        responses={200: s.LeaveRequestsPageOut, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        membership = require_membership(request)
        scope, wanted = request_scope(request)
        requests = selectors.leave_requests_for(viewer=membership, scope=scope, status=wanted)
        return paginated(request, self, requests, s.LeaveRequestOut)

    @extend_schema(
        operation_id="attendance_leave_request_create",
        tags=["attendance"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.LeaveRequestIn,
        responses={201: s.LeaveRequestOut, **ERRORS},
        description="Ask for leave over the working days in startDate..endDate. 409 LEAVE_OVERLAP, 409 "
        "INSUFFICIENT_BALANCE, 400 LEAVE_NO_WORKING_DAYS.",
    )
    def post(self, request):
        membership = require_membership(request)
        key = idempotency_key(request)
        data = s.LeaveRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.leave_request_create(member=membership, idempotency_key=key, **data.validated_data)
        return created(outcome, s.LeaveRequestOut)


class LeaveRequestDetailView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_leave_request_get",
        tags=["attendance"],
        responses={200: s.LeaveRequestOut, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk: int):
        membership = require_membership(request)
        return Response(s.LeaveRequestOut(selectors.leave_request_get(viewer=membership, request_id=pk)).data)


LeaveApproveView = decision_view(
    getter=selectors.leave_request_get,
    verb="approve",
    out=s.LeaveRequestOut,
    operation_id="attendance_leave_request_approve",
    description="Approve: writes the usage entry and marks the days leave, atomically. 409 "
    "INSUFFICIENT_BALANCE, 409 REQUEST_NOT_PENDING.",
)
LeaveRejectView = decision_view(
    getter=selectors.leave_request_get,
    verb="reject",
    out=s.LeaveRequestOut,
    operation_id="attendance_leave_request_reject",
    description="Reject; a comment is required.",
)
LeaveCancelView = decision_view(
    getter=selectors.leave_request_get,
    verb="cancel",
    out=s.LeaveRequestOut,
    operation_id="attendance_leave_request_cancel",
    description="Cancel your pending or approved leave; approved leave gets its balance back.",
)
