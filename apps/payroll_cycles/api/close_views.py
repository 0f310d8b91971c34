"""Before and after a close: readiness, and what changed since the previous settlement snapshot."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import HasMembership, IsOrgAdmin, require_membership
from apps.payroll_cycles import readiness, selectors
from apps.payroll_cycles.api.views import ERRORS, TAGS


class ReadinessView(APIView):
    permission_classes = [HasMembership, IsOrgAdmin]

    @extend_schema(
        operation_id="payroll_cycles_readiness",
        tags=TAGS,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        description="Admins: what to settle before lock and close: `pendingRequests` (adjustments, leave, overtime), "
        "`openAnomalies` (total, byKind), `membersWithoutRecords` (active members with no record in the cycle; "
        "count and the first 20), `importsRunning`, and `ready`.",
    )
    def get(self, request, pk: int):
        viewer = require_membership(request)
        return Response(readiness.cycle_readiness(cycle=selectors.cycle_get(viewer=viewer, cycle_id=pk)))


class ChangesView(APIView):
    permission_classes = [HasMembership, IsOrgAdmin]

    @extend_schema(
        operation_id="payroll_cycles_changes",
        tags=TAGS,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        description="Admins: per member, each summary figure that differs between the previous settlement "
        "snapshot and the latest (`fromVersion` -> `toVersion`; while reopened, the latest snapshot against the "
        "figures now, `toVersion` null), with the audit entries about that member in between (action, actor, "
        "time, details) and the reopen reasons.",
    )
    def get(self, request, pk: int):
        viewer = require_membership(request)
        return Response(readiness.cycle_changes(cycle=selectors.cycle_get(viewer=viewer, cycle_id=pk)))
