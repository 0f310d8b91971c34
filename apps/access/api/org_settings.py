"""Organization security settings over the API: IP allowlist and retention."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.access.api import admin_serializers as s
from apps.access.api.members import TAGS
from apps.access.api.permissions import AdminView
from apps.access.ip_allowlist import ip_allowlist, ip_allowlist_update
from apps.access.retention import retention_policy, retention_policy_update
from apps.core import request_context
from apps.core.ratelimit import UNSAFE, rate_limited


class IpAllowlistView(AdminView):
    """Addresses allowed to use the admin API and Admin Center (and, with allApi, the whole API)."""

    audit_action = "access.ip_allowlist.update"

    def _out(self, policy):
        address = request_context.client_ip(self.request._request)
        return Response(
            s.IpAllowlistOut(
                {"admin": list(policy.admin), "all_api": policy.all_api, "your_address": address}
            ).data
        )

    @extend_schema(operation_id="admin_ip_allowlist", tags=TAGS, responses=s.IpAllowlistOut)
    def get(self, request):
        return self._out(ip_allowlist(self.organization))

    @extend_schema(
        operation_id="admin_ip_allowlist_update",
        tags=TAGS,
        request=s.IpAllowlistIO,
        responses=s.IpAllowlistOut,
        description="Replace the list. An empty list lifts the restriction. A list that does not include "
        "your own address is refused with 409 WOULD_LOCK_OUT.",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def put(self, request):
        data = s.IpAllowlistIO(data=request.data)
        data.is_valid(raise_exception=True)
        policy = ip_allowlist_update(
            organization=self.organization,
            actor=self.admin,
            admin=data.validated_data["admin"],
            all_api=data.validated_data["all_api"],
            client_ip=request_context.client_ip(request._request),
        )
        return self._out(policy)


class RetentionView(AdminView):
    """How long the operation log and attendance data are kept, in days."""

    audit_action = "audit.retention.update"

    @extend_schema(operation_id="admin_retention", tags=TAGS, responses=s.RetentionIO)
    def get(self, request):
        policy = retention_policy(self.organization)
        return Response(s.RetentionIO(vars(policy)).data)

    @extend_schema(
        operation_id="admin_retention_update", tags=TAGS, request=s.RetentionIO, responses=s.RetentionIO
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def put(self, request):
        data = s.RetentionIO(data=request.data)
        data.is_valid(raise_exception=True)
        values = {
            "operationLogDays": data.validated_data.get("operation_log_days"),
            "attendanceDays": data.validated_data.get("attendance_days"),
        }
        policy = retention_policy_update(organization=self.organization, actor=self.admin, values=values)
        return Response(s.RetentionIO(vars(policy)).data)
