"""Leave: types, balances, the ledger, manual adjustments; requests made from the kind's description."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, HasMembership, IsOrgAdmin, require_membership
from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.api.views._common import (
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    created,
    idempotency_key,
    member_param,
    paginated,
)
from apps.attendance.api.views.request_kinds import (
    RequestKind,
    decision_view,
    request_detail_view,
    request_list_view,
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


LEAVE = RequestKind(
    operation="attendance_leave_request",
    input=s.LeaveRequestIn,
    output=s.LeaveRequestOut,
    page=s.LeaveRequestsPageOut,
    list_selector=selectors.leave_requests_for,
    getter=selectors.leave_request_get,
    create=services.leave_request_create,
    create_description="Ask for leave over the working days in startDate..endDate. 409 LEAVE_OVERLAP, 409 "
    "INSUFFICIENT_BALANCE, 400 LEAVE_NO_WORKING_DAYS.",
)

LeaveRequestsView = request_list_view(LEAVE)
LeaveRequestDetailView = request_detail_view(LEAVE)
LeaveApproveView = decision_view(
    LEAVE,
    verb="approve",
    description="Approve: writes the usage entry and marks the days leave, atomically. 409 "
    "INSUFFICIENT_BALANCE, 409 REQUEST_NOT_PENDING.",
)
LeaveRejectView = decision_view(LEAVE, verb="reject", description="Reject; a comment is required.")
LeaveCancelView = decision_view(
    LEAVE,
    verb="cancel",
    description="Cancel your pending or approved leave; approved leave gets its balance back.",
)
