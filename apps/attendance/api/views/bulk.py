"""Deciding many requests at once."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanApprove, HasMembership, require_membership
from apps.attendance import services
from apps.attendance.api import serializers as s


class BulkApproveView(APIView):
    permission_classes = [HasMembership, CanApprove]

    @extend_schema(
        operation_id="attendance_requests_bulk_approve",
        tags=["attendance"],
        request=s.BulkApproveIn,
        responses={200: s.BulkApproveOut, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
        description="Approve many requests (approvers and admins; others 403). Each is decided on its own "
        "and reported with ok or an error code.",
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
