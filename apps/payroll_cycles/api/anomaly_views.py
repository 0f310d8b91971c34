"""GET /api/attendance/anomalies: what needs settling before a close."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, HasMembership, require_membership
from apps.attendance.selectors import member_lookup
from apps.core.errors import ValidationFailed
from apps.core.pagination import StandardPagination
from apps.payroll_cycles import anomalies, selectors
from apps.payroll_cycles.api.views import ERRORS, TAGS, _date_query

MAX_DAYS = 366


class AnomaliesView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="payroll_anomalies_list",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First work date (default: 30 days ago)."
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last work date (default: today)."),
            OpenApiParameter("member", OpenApiTypes.STR, description="Username or employee number."),
            OpenApiParameter(
                "cycle", OpenApiTypes.INT, description="A cycle's id: its dates (instead of from/to)."
            ),
            OpenApiParameter("filter", OpenApiTypes.STR, enum=["all", "owed_punch"]),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("pageSize", OpenApiTypes.INT),
        ],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        description="Workday records that are late, early, late and early, missing a punch or absent (the "
        "viewer's scope: own, team, everyone), each with `state` (open, or pending with the pending `request`), "
        "`missingSide` (in / out / both) and `suggestedRequestType` (absent -> leave, no check-in -> "
        "missed_check_in, no check-out -> missed_check_out, late or early -> time_correction).",
    )
    def get(self, request):
        viewer = require_membership(request)
        kind = request.query_params.get("filter", "all")
        if kind not in ("all", "owed_punch"):
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("filter must be all or owed_punch."),
                {"fields": {"filter": [_("Invalid.")]}},
            )
        cycle_id = request.query_params.get("cycle", "")
        if cycle_id:
            if not cycle_id.isdigit():
                raise ValidationFailed(
                    "VALIDATION_ERROR",
                    _("cycle must be a cycle's id."),
                    {"fields": {"cycle": [_("Invalid.")]}},
                )
            cycle = selectors.cycle_get(viewer=viewer, cycle_id=int(cycle_id))
            start, end = cycle.start_date, cycle.end_date
        else:
            today = timezone.localdate(timezone.now(), viewer.organization.tzinfo)
            start = _date_query(request, "from") or today - timedelta(days=30)
            end = _date_query(request, "to") or max(today, start)
        if end < start:
            raise ValidationFailed(
                "INVALID_DATE_RANGE", _("to is before from."), {"fields": {"to": [_("Before from.")]}}
            )
        if (end - start).days >= MAX_DAYS:
            raise ValidationFailed(
                "INVALID_DATE_RANGE", _("Ask for at most %(days)s days at a time.") % {"days": MAX_DAYS}
            )
        identifier = request.query_params.get("member", "") or request.query_params.get("userId", "")
        member = member_lookup(viewer=viewer, identifier=identifier) if identifier else None
        records = anomalies.anomalies_for(
            viewer=viewer, start=start, end=end, member=member, owed_punch=kind == "owed_punch"
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(anomalies.describe(list(page)))
