"""The attendance API: thin views that validate input, call one service or selector, and render."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.pagination import StandardPagination
from apps.access.api.permissions import CanRead, CanWrite, HasMembership, IsOrgAdmin, require_membership
from apps.access.errors import ValidationFailed
from apps.access.request_context import client_ip
from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.models import Punch, RequestStatus
from apps.attendance.services._common import local_today

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_RANGE_DAYS = 366

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per intended write (1-128 printable ASCII). A retry with the same key and "
    "payload returns the first result (header Idempotent-Replayed: true); the same key with another payload "
    "is 409 IDEMPOTENCY_KEY_REUSED.",
)
RANGE_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First work date (default: first of this month)."
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last work date (default: today)."),
    OpenApiParameter(
        "member", OpenApiTypes.STR, description="Username or employee number (default: everyone you may see)."
    ),
]
REQUEST_LIST_PARAMETERS = [
    OpenApiParameter(
        "scope",
        OpenApiTypes.STR,
        enum=["mine", "team"],
        description="Your own requests, or those you decide.",
    ),
    OpenApiParameter("status", OpenApiTypes.STR, enum=RequestStatus.values),
]
ERRORS = {400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT}


def _idempotency_key(request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not key.strip():
        raise ValidationFailed(
            "IDEMPOTENCY_KEY_REQUIRED",
            "Send an Idempotency-Key header so that a retry cannot write twice.",
            {"field": IDEMPOTENCY_HEADER},
        )
    return key


def _created(outcome, serializer_class) -> Response:
    response = Response(serializer_class(outcome.obj).data, status=status.HTTP_201_CREATED)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _date_param(request, name: str, default: date) -> date:
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "VALIDATION_ERROR", f"{name} must be a date as YYYY-MM-DD.", {"fields": {name: ["Not a date."]}}
        ) from None


def _range(request, membership) -> tuple[date, date]:
    today = local_today(membership)
    start = _date_param(request, "from", today.replace(day=1))
    end = _date_param(request, "to", max(today, start))
    if end < start:
        raise ValidationFailed(
            "INVALID_DATE_RANGE", "to is before from.", {"fields": {"to": ["Before from."]}}
        )
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed("INVALID_DATE_RANGE", f"Ask for at most {MAX_RANGE_DAYS} days at a time.")
    return start, end


def _member_param(request, membership):
    identifier = request.query_params.get("member", "")
    return selectors.member_lookup(viewer=membership, identifier=identifier) if identifier else None


def _paginated(request, view, queryset, serializer_class, **extra) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    response = paginator.get_paginated_response(serializer_class(page, many=True).data)
    response.data.update(extra)
    return response


def _scope(request) -> tuple[str, str | None]:
    scope = request.query_params.get("scope", "mine")
    wanted = request.query_params.get("status") or None
    if scope not in {"mine", "team"}:
        raise ValidationFailed(
            "VALIDATION_ERROR", "scope must be mine or team.", {"fields": {"scope": ["Invalid."]}}
        )
    if wanted is not None and wanted not in RequestStatus.values:
        raise ValidationFailed("VALIDATION_ERROR", "Unknown status.", {"fields": {"status": ["Invalid."]}})
    return scope, wanted


class PunchesView(APIView):
    permission_classes = [HasMembership, CanWrite]

    def get_permissions(self):
        return [HasMembership(), CanRead()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        operation_id="attendance_punches_list",
        tags=["attendance"],
        parameters=RANGE_PARAMETERS,
        responses={200: s.PunchesPageOut, **ERRORS},
        description="Punches in a work-date range: your own, your team's (approver) or everyone's (admin).",
    )
    def get(self, request):
        membership = require_membership(request)
        start, end = _range(request, membership)
        punches = selectors.punches_for(
            viewer=membership, start=start, end=end, member=_member_param(request, membership)
        )
        return _paginated(request, self, punches, s.PunchOut)

    @extend_schema(
        operation_id="attendance_punch_create",
        tags=["attendance"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.PunchIn,
        responses={201: s.PunchOut, 422: OpenApiTypes.OBJECT, **ERRORS},
        description="Clock in or out now (the server's time). Outside every site the punch is flagged, or "
        "refused with 422 OUTSIDE_GEOFENCE when the organization's geofence is strict.",
    )
    def post(self, request):
        membership = require_membership(request)
        key = _idempotency_key(request)
        data = s.PunchIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.punch_create(
            member=membership,
            kind=data.validated_data["kind"],
            source=Punch.Source.API,
            ip=client_ip(request._request) or None,
            device_id=data.validated_data["device_id"],
            location=data.validated_data.get("location"),
            idempotency_key=key,
        )
        return _created(outcome, s.PunchOut)


class RecordsView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_records_list",
        tags=["attendance"],
        parameters=RANGE_PARAMETERS,
        responses={200: s.RecordsPageOut, **ERRORS},
        description="Daily records with a summary of the whole period (all pages): counts by status, worked "
        "hours, late minutes. Employees see their own, approvers their team, admins everyone; asking for "
        "anyone else is 404.",
    )
    def get(self, request):
        membership = require_membership(request)
        start, end = _range(request, membership)
        records = selectors.records_for(
            viewer=membership, start=start, end=end, member=_member_param(request, membership)
        )
        summary = selectors.records_summary(records)
        return _paginated(
            request,
            self,
            records,
            s.RecordOut,
            summary=s.RecordsSummaryOut(
                {
                    "start": start,
                    "end": end,
                    "days": summary.days,
                    "by_status": summary.by_status,
                    "worked_minutes": summary.worked_minutes,
                    "worked_hours": summary.worked_hours,
                    "late_minutes": summary.late_minutes,
                    "early_leave_minutes": summary.early_leave_minutes,
                }
            ).data,
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
        scope, wanted = _scope(request)
        requests = selectors.adjustment_requests_for(viewer=membership, scope=scope, status=wanted)
        return _paginated(request, self, requests, s.AdjustmentOut)

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
        key = _idempotency_key(request)
        data = s.AdjustmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.adjustment_request_create(
            member=membership, idempotency_key=key, **data.validated_data
        )
        return _created(outcome, s.AdjustmentOut)


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


class _DecisionView(APIView):
    permission_classes = [HasMembership]
    getter = None
    action_name = ""
    serializer_class = None

    def decide(self, membership, request_obj, comment: str):
        raise NotImplementedError

    def post(self, request, pk: int):
        membership = require_membership(request)
        target = type(self).getter(viewer=membership, request_id=pk)
        data = s.DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        decided = self.decide(membership, target, data.validated_data["comment"])
        return Response(self.serializer_class(decided).data)


def _decision_schema(operation_id: str, out, description: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["attendance"],
        request=s.DecisionIn,
        responses={200: out, 403: OpenApiTypes.OBJECT, **ERRORS},
        description=description,
    )


class AdjustmentApproveView(_DecisionView):
    getter = staticmethod(selectors.adjustment_request_get)
    serializer_class = s.AdjustmentOut

    def decide(self, membership, request_obj, comment):
        return services.adjustment_request_approve(request=request_obj, approver=membership, comment=comment)

    @_decision_schema(
        "attendance_adjustment_approve",
        s.AdjustmentOut,
        "Approve and apply to the day's record (status adjusted). Manager or admin only, never the requester; "
        "a decided request is 409 REQUEST_NOT_PENDING.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class AdjustmentRejectView(_DecisionView):
    getter = staticmethod(selectors.adjustment_request_get)
    serializer_class = s.AdjustmentOut

    def decide(self, membership, request_obj, comment):
        return services.adjustment_request_reject(request=request_obj, approver=membership, comment=comment)

    @_decision_schema("attendance_adjustment_reject", s.AdjustmentOut, "Reject; a comment is required.")
    def post(self, request, pk: int):
        return super().post(request, pk)


class AdjustmentCancelView(_DecisionView):
    getter = staticmethod(selectors.adjustment_request_get)
    serializer_class = s.AdjustmentOut

    def decide(self, membership, request_obj, comment):
        return services.adjustment_request_cancel(request=request_obj, actor=membership)

    @_decision_schema("attendance_adjustment_cancel", s.AdjustmentOut, "Withdraw your own pending request.")
    def post(self, request, pk: int):
        return super().post(request, pk)


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
        member = _member_param(request, membership) or membership
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
        key = _idempotency_key(request)
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
        return _created(outcome, s.LedgerEntryOut)


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
        member = _member_param(request, membership) or membership
        code = request.query_params.get("leaveType", "")
        leave_type = selectors.leave_type_lookup(viewer=membership, code=code) if code else None
        return _paginated(
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
        scope, wanted = _scope(request)
        requests = selectors.leave_requests_for(viewer=membership, scope=scope, status=wanted)
        return _paginated(request, self, requests, s.LeaveRequestOut)

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
        key = _idempotency_key(request)
        data = s.LeaveRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.leave_request_create(member=membership, idempotency_key=key, **data.validated_data)
        return _created(outcome, s.LeaveRequestOut)


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


class LeaveApproveView(_DecisionView):
    getter = staticmethod(selectors.leave_request_get)
    serializer_class = s.LeaveRequestOut

    def decide(self, membership, request_obj, comment):
        return services.leave_request_approve(request=request_obj, approver=membership, comment=comment)

    @_decision_schema(
        "attendance_leave_request_approve",
        s.LeaveRequestOut,
        "Approve: writes the usage entry and marks the days leave, atomically. 409 INSUFFICIENT_BALANCE, "
        "409 REQUEST_NOT_PENDING.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class LeaveRejectView(_DecisionView):
    getter = staticmethod(selectors.leave_request_get)
    serializer_class = s.LeaveRequestOut

    def decide(self, membership, request_obj, comment):
        return services.leave_request_reject(request=request_obj, approver=membership, comment=comment)

    @_decision_schema("attendance_leave_request_reject", s.LeaveRequestOut, "Reject; a comment is required.")
    def post(self, request, pk: int):
        return super().post(request, pk)


class LeaveCancelView(_DecisionView):
    getter = staticmethod(selectors.leave_request_get)
    serializer_class = s.LeaveRequestOut

    def decide(self, membership, request_obj, comment):
        return services.leave_request_cancel(request=request_obj, actor=membership)

    @_decision_schema(
        "attendance_leave_request_cancel",
        s.LeaveRequestOut,
        "Cancel your pending or approved leave; approved leave gets its balance back.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class BulkApproveView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="attendance_requests_bulk_approve",
        tags=["attendance"],
        request=s.BulkApproveIn,
        responses={200: s.BulkApproveOut, 400: OpenApiTypes.OBJECT},
        description="Approve many requests; each is decided on its own and reported with ok or an error code.",
    )
    def post(self, request):
        membership = require_membership(request)
        data = s.BulkApproveIn(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.requests_bulk_approve(approver=membership, **data.validated_data)
        approved = sum(1 for r in results if r.ok)
        return Response(
            s.BulkApproveOut(
                {
                    "approved": approved,
                    "failed": len(results) - approved,
                    "results": [r.__dict__ for r in results],
                }
            ).data
        )
