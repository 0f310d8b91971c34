"""GET /api/attendance/anomalies: what needs settling before a close; POST .../anomalies/resolve settles
them in a batch."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from apps.access import roles
from apps.access.api.permissions import CanRead, HasMembership, require_membership
from apps.attendance.selectors import member_lookup
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.pagination import StandardPagination
from apps.payroll_cycles import anomalies, selectors
from apps.payroll_cycles.api import serializers as s
from apps.payroll_cycles.api.views import ERRORS, IDEMPOTENCY, TAGS, _answer, _date_query, _key
from apps.payroll_cycles.services.anomaly_resolve import anomalies_resolve

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


class ResolveView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="payroll_anomalies_resolve",
        tags=TAGS,
        parameters=[IDEMPOTENCY],
        request=s.ResolveIn,
        responses={200: s.ResolveOut, **ERRORS},
        description="Settle up to 1,000 anomalies: each item `{member, date, requestType?, reason?, "
        "leaveType?, requestedInAt?, requestedOutAt?}` gets the request its anomaly suggests (absent -> leave, "
        "no check-in -> missed_check_in, no check-out -> missed_check_out, late / early -> time_correction at "
        "the shift's start / end), created on the member's behalf; an admin with `approve: true` also approves "
        "it. One result per item: created, approved, skipped (NOT_AN_ANOMALY, REQUEST_PENDING, DUPLICATE_ITEM) "
        "or error with its code (NOT_FOUND for a member outside your scope, PERIOD_LOCKED, ...). Employees "
        "resolve their own, approvers their team's, admins everyone's. `idempotencyKey` (or the header) is "
        "required: a retry returns the first answer and changes nothing.",
    )
    def post(self, request):
        viewer = require_membership(request)
        if not any(viewer.can(p) for p in (roles.WRITE, roles.APPROVE, roles.ADMINISTER)):
            raise Forbidden("FORBIDDEN", _("You may not ask for requests."))
        data = s.ResolveIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = anomalies_resolve(
            actor=viewer,
            items=values["items"],
            idempotency_key=_key(request, values),
            approve=values["approve"],
            reason=values["reason"],
            leave_type=values["leave_type"],
        )
        return _answer(result, s.ResolveOut)
