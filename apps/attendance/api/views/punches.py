"""Clock in / clock out, and the punch list."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, CanWrite, HasMembership, require_membership
from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.api.views._common import (
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    RANGE_PARAMETERS,
    created,
    idempotency_key,
    member_param,
    paginated,
    period,
)
from apps.attendance.models import Punch
from apps.core.request_context import client_ip


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
        start, end = period(request, membership)
        punches = selectors.punches_for(
            viewer=membership, start=start, end=end, member=member_param(request, membership)
        )
        return paginated(request, self, punches, s.PunchOut)

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
        key = idempotency_key(request)
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
        return created(outcome, s.PunchOut)
