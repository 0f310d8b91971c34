"""Payroll API: templates, cycles (generate, transitions), overtime rules. Thin views: input serializer ->
one service or selector -> output serializer."""

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, HasMembership, IsOrgAdmin, require_membership
from apps.core.errors import ValidationFailed
from apps.core.pagination import StandardPagination
from apps.payroll_cycles import selectors, services
from apps.payroll_cycles.api import serializers as s
from apps.payroll_cycles.models import PayrollCycle

TAGS = ["payroll"]
ERRORS = {
    400: OpenApiTypes.OBJECT,
    403: OpenApiTypes.OBJECT,
    404: OpenApiTypes.OBJECT,
    409: OpenApiTypes.OBJECT,
}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A key per intended write (or the body's idempotencyKey): a retry with the same key and "
    "payload returns the first answer (header Idempotent-Replayed: true); another payload is 409 "
    "IDEMPOTENCY_KEY_REUSED.",
)


def _key(request, data: dict) -> str:
    return request.headers.get("Idempotency-Key", "") or data.get("idempotency_key", "") or ""


def _answer(result: tuple[dict, bool], serializer, code: int = status.HTTP_200_OK) -> Response:
    body, replayed = result
    response = Response(serializer(body).data, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _date_query(request, name: str) -> date | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name},
            {"fields": {name: [_("Not a date.")]}},
        ) from None


class AdminWrites(APIView):
    """Reads for every member with read access, writes for admins."""

    permission_classes = [HasMembership, CanRead]

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return super().get_permissions()
        return [HasMembership(), IsOrgAdmin()]


class TemplatesView(AdminWrites):
    @extend_schema(operation_id="payroll_templates_list", tags=TAGS, responses=s.TemplateOut(many=True))
    def get(self, request):
        viewer = require_membership(request)
        return Response(s.TemplateOut(selectors.templates_for(viewer=viewer), many=True).data)

    @extend_schema(
        operation_id="payroll_templates_create",
        tags=TAGS,
        request=s.TemplateIn,
        responses={201: s.TemplateOut, **ERRORS},
        description="Admins: a period template. `startDay`/`endDay` 1-31 (a day past a short month's end is "
        "its last day), `endMonthOffset` 0|1 (an end day before the start day ends next month), kinds monthly, "
        "semi_monthly (1-15, 16-end), weekly and biweekly (from `anchorDate`). One `isDefault` per organization.",
    )
    def post(self, request):
        viewer = require_membership(request)
        data = s.TemplateIn(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_create(actor=viewer, values=dict(data.validated_data))
        return Response(s.TemplateOut(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailView(AdminWrites):
    @extend_schema(operation_id="payroll_templates_read", tags=TAGS, responses={200: s.TemplateOut, **ERRORS})
    def get(self, request, pk: int):
        viewer = require_membership(request)
        return Response(s.TemplateOut(selectors.template_get(viewer=viewer, template_id=pk)).data)

    @extend_schema(
        operation_id="payroll_templates_update",
        tags=TAGS,
        request=s.TemplateUpdateIn,
        responses={200: s.TemplateOut, **ERRORS},
        description="Admins: change a template. Its period days cannot change once cycles it cut were closed "
        "(409 CYCLE_CLOSED_PERIOD_FROZEN).",
    )
    def put(self, request, pk: int):
        viewer = require_membership(request)
        template = selectors.template_get(viewer=viewer, template_id=pk)
        data = s.TemplateUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_update(actor=viewer, template=template, values=dict(data.validated_data))
        return Response(s.TemplateOut(template).data)

    @extend_schema(operation_id="payroll_templates_delete", tags=TAGS, responses={204: None, **ERRORS})
    def delete(self, request, pk: int):
        viewer = require_membership(request)
        services.template_delete(actor=viewer, template=selectors.template_get(viewer=viewer, template_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CyclesView(AdminWrites):
    @extend_schema(
        operation_id="payroll_cycles_list",
        tags=TAGS,
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=PayrollCycle.Status.values),
            OpenApiParameter(
                "startDate", OpenApiTypes.DATE, description="Cycles ending on or after this date."
            ),
            OpenApiParameter(
                "endDate", OpenApiTypes.DATE, description="Cycles starting on or before this date."
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("pageSize", OpenApiTypes.INT, description="50 by default, at most 200."),
        ],
        responses={200: s.CyclesPageOut, 400: OpenApiTypes.OBJECT},
        description="The organization's payroll cycles, newest first.",
    )
    def get(self, request):
        viewer = require_membership(request)
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in PayrollCycle.Status.values:
            raise ValidationFailed(
                "VALIDATION_ERROR", _("Unknown status."), {"fields": {"status": [_("Invalid.")]}}
            )
        start, end = _date_query(request, "startDate"), _date_query(request, "endDate")
        if start and end and end < start:
            raise ValidationFailed(
                "INVALID_DATE_RANGE",
                _("endDate is before startDate."),
                {"fields": {"endDate": [_("Before startDate.")]}},
            )
        cycles = selectors.cycles_for(viewer=viewer, status=wanted, start=start, end=end)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(cycles, request, view=self)
        return paginator.get_paginated_response(s.CycleOut(page, many=True).data)

    @extend_schema(
        operation_id="payroll_cycles_create",
        tags=TAGS,
        request=s.CycleIn,
        responses={201: s.CycleOut, **ERRORS},
        description="Admins: one cycle by hand (at most 62 days). 409 CYCLE_OVERLAP when it overlaps another.",
    )
    def post(self, request):
        viewer = require_membership(request)
        data = s.CycleIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        template = (
            selectors.template_get(viewer=viewer, template_id=values["template_id"])
            if values.get("template_id")
            else None
        )
        cycle = services.cycle_create(
            actor=viewer,
            name=values.get("name", ""),
            start_date=values["start_date"],
            end_date=values["end_date"],
            template=template,
        )
        return Response(s.CycleOut(cycle).data, status=status.HTTP_201_CREATED)


class GenerateView(APIView):
    permission_classes = [HasMembership, IsOrgAdmin]

    @extend_schema(
        operation_id="payroll_cycles_generate",
        tags=TAGS,
        parameters=[IDEMPOTENCY],
        request=s.GenerateIn,
        responses={200: s.GenerateOut, **ERRORS},
        description="Admins: `count` (1-36) consecutive cycles of a template (the default one without "
        'templateId) from the one holding `anchorDate`, or of `year`+`month`. Names are "prefix start~end". '
        "Existing identical ranges are skipped; a different range overlapping a cycle is 409 CYCLE_OVERLAP and "
        "nothing is created.",
    )
    def post(self, request):
        viewer = require_membership(request)
        data = s.GenerateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        template = (
            selectors.template_get(viewer=viewer, template_id=values["template_id"])
            if values.get("template_id")
            else None
        )
        result = services.cycles_generate(
            actor=viewer,
            template=template,
            count=values["count"],
            anchor_date=values.get("anchor_date"),
            year=values.get("year"),
            month=values.get("month"),
            name_prefix=values.get("name_prefix", ""),
            idempotency_key=_key(request, values),
        )
        return _answer(result, s.GenerateOut)


class CycleDetailView(AdminWrites):
    @extend_schema(operation_id="payroll_cycles_read", tags=TAGS, responses={200: s.CycleOut, **ERRORS})
    def get(self, request, pk: int):
        viewer = require_membership(request)
        return Response(s.CycleOut(selectors.cycle_get(viewer=viewer, cycle_id=pk)).data)

    @extend_schema(
        operation_id="payroll_cycles_update",
        tags=TAGS,
        request=s.CycleUpdateIn,
        responses={200: s.CycleOut, **ERRORS},
        description="Admins: rename an open cycle or move its dates; a cycle that was locked or closed keeps "
        "its dates and template (409 CYCLE_CLOSED_PERIOD_FROZEN).",
    )
    def put(self, request, pk: int):
        viewer = require_membership(request)
        cycle = selectors.cycle_get(viewer=viewer, cycle_id=pk)
        data = s.CycleUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.get("template_id"):
            selectors.template_get(viewer=viewer, template_id=values["template_id"])
        cycle = services.cycle_update(actor=viewer, cycle=cycle, values=values)
        return Response(s.CycleOut(cycle).data)

    @extend_schema(
        operation_id="payroll_cycles_delete",
        tags=TAGS,
        responses={204: None, **ERRORS},
        description="Admins: delete an open cycle that was never closed (else 409 CYCLE_CLOSED_NOT_DELETABLE).",
    )
    def delete(self, request, pk: int):
        viewer = require_membership(request)
        services.cycle_delete(actor=viewer, cycle=selectors.cycle_get(viewer=viewer, cycle_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


TRANSITION_HELP = {
    "lock": "open -> locked: punches, requests, imports and recomputes on its dates are 409 PERIOD_LOCKED "
    "(and refused by the database).",
    "unlock": "locked -> open; `reason` required.",
    "close": "open or locked -> closed: writes a settlement snapshot per member (the next version after a "
    "reopen); the dates stay locked.",
    "reopen": "closed -> open; `reason` required. The next close writes a new snapshot version; "
    "`/changes` lists what differs.",
    "archive": "closed -> archived.",
}


def transition_view(action: str):
    """POST /payroll-cycles/<id>/<action>: one view class per move (each its own OpenAPI operation), all
    calling `services.cycle_transition`."""

    class TransitionView(APIView):
        permission_classes = [HasMembership, IsOrgAdmin]

        @extend_schema(
            operation_id=f"payroll_cycles_{action}",
            tags=TAGS,
            parameters=[IDEMPOTENCY],
            request=s.ReasonIn,
            responses={200: s.TransitionOut, **ERRORS},
            description=f"Admins: {TRANSITION_HELP[action]} A move the state does not allow is 409 "
            "CYCLE_STATE_CONFLICT.",
        )
        def post(self, request, pk: int):
            viewer = require_membership(request)
            cycle = selectors.cycle_get(viewer=viewer, cycle_id=pk)
            data = s.ReasonIn(data=request.data)
            data.is_valid(raise_exception=True)
            result = services.cycle_transition(
                actor=viewer,
                cycle=cycle,
                action=action,
                reason=data.validated_data["reason"],
                idempotency_key=_key(request, data.validated_data),
            )
            return _answer(result, s.TransitionOut)

    TransitionView.__name__ = f"Cycle{action.title()}View"
    return TransitionView.as_view()


class OvertimeRulesView(AdminWrites):
    @extend_schema(
        operation_id="payroll_overtime_rules_list", tags=TAGS, responses=s.OvertimeRuleOut(many=True)
    )
    def get(self, request):
        viewer = require_membership(request)
        return Response(s.OvertimeRuleOut(selectors.overtime_rules_for(viewer=viewer), many=True).data)

    @extend_schema(
        operation_id="payroll_overtime_rules_save",
        tags=TAGS,
        request=s.OvertimeRuleIn,
        responses={200: s.OvertimeRuleOut, **ERRORS},
        description="Admins: set the organization's rule (no shiftId) or one shift's rule (which wins on that "
        "shift's days). Fields left out keep their value (defaults: minMinutes 0, roundingMinutes 15 down, "
        "maxMinutesPerDay 600, multipliers 1.5 / 2 / 3). POST and PUT do the same.",
    )
    def post(self, request):
        viewer = require_membership(request)
        data = s.OvertimeRuleIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        shift = selectors.shift_get(viewer=viewer, shift_id=values.pop("shift_id", None))
        rule = services.overtime_rule_save(actor=viewer, shift=shift, values=values)
        return Response(s.OvertimeRuleOut(rule).data)

    @extend_schema(
        operation_id="payroll_overtime_rules_put",
        tags=TAGS,
        request=s.OvertimeRuleIn,
        responses={200: s.OvertimeRuleOut, **ERRORS},
        description="The same as POST.",
    )
    def put(self, request):
        return self.post(request)
