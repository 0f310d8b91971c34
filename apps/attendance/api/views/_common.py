"""What the attendance API views share: the Idempotency-Key header, date ranges, member lookup, paging
and the decision (approve / reject / cancel) view."""

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import HasMembership, require_membership
from apps.attendance import selectors, services
from apps.attendance.api import serializers as s
from apps.attendance.filters import date_range
from apps.attendance.models import RequestStatus
from apps.attendance.services._common import local_today
from apps.core.errors import ValidationFailed
from apps.core.pagination import StandardPagination
from apps.core.params import date_supported

IDEMPOTENCY_HEADER = "Idempotency-Key"

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


def idempotency_key(request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not key.strip():
        raise ValidationFailed(
            "IDEMPOTENCY_KEY_REQUIRED",
            _("Send an Idempotency-Key header so that a retry cannot write twice."),
            {"field": IDEMPOTENCY_HEADER},
        )
    return key


def created(outcome, serializer_class) -> Response:
    response = Response(serializer_class(outcome.obj).data, status=status.HTTP_201_CREATED)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _date_param(request, name: str) -> date | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not date_supported(day):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name},
            {"fields": {name: [_("Not a date between 1900-01-01 and 2199-12-31.")]}},
        )
    return day


def period(request, membership) -> tuple[date, date]:
    return date_range(_date_param(request, "from"), _date_param(request, "to"), today=local_today(membership))


def member_param(request, membership):
    identifier = request.query_params.get("member", "")
    return selectors.member_lookup(viewer=membership, identifier=identifier) if identifier else None


def paginated(request, view, queryset, serializer_class, *, prepare=None, count=None, **extra) -> Response:
    """One page of `queryset`; `prepare` (a selector) may complete the page's objects first; `count`, when
    the caller knows it, spares the COUNT query."""
    paginator = StandardPagination(count=count)
    page = paginator.paginate_queryset(queryset, request, view=view)
    if prepare is not None:
        page = prepare(page)
    response = paginator.get_paginated_response(serializer_class(page, many=True).data)
    response.data.update(extra)
    return response


def request_scope(request) -> tuple[str, str | None]:
    scope = request.query_params.get("scope", "mine")
    wanted = request.query_params.get("status") or None
    if scope not in {"mine", "team"}:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("scope must be mine or team."), {"fields": {"scope": [_("Invalid.")]}}
        )
    if wanted is not None and wanted not in RequestStatus.values:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("Unknown status."), {"fields": {"status": [_("Invalid.")]}}
        )
    return scope, wanted


class DecisionView(APIView):
    """POST .../<id>/approve | reject | cancel for any decidable request; `decision_view()` makes one."""

    permission_classes = [HasMembership]
    getter = None
    verb = ""
    serializer_class = None

    def post(self, request, pk: int):
        membership = require_membership(request)
        target = type(self).getter(viewer=membership, request_id=pk)
        data = s.DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        if self.verb == "cancel":
            decided = services.request_cancel(request=target, actor=membership)
        else:
            decided = services.request_decide(
                request=target, approver=membership, verb=self.verb, comment=data.validated_data["comment"]
            )
        return Response(self.serializer_class(decided).data)


def decision_view(*, getter, verb: str, out, operation_id: str, description: str) -> type[DecisionView]:
    """The decision endpoint of one kind and verb, with its own OpenAPI operation."""
    schema = extend_schema(
        operation_id=operation_id,
        tags=["attendance"],
        request=s.DecisionIn,
        responses={200: out, 403: OpenApiTypes.OBJECT, **ERRORS},
        description=description,
    )
    name = "".join(part.title() for part in operation_id.split("_")) + "View"

    def post(self, request, pk: int):  # a function of its own: extend_schema annotates the function
        return DecisionView.post(self, request, pk)

    attributes = {"getter": staticmethod(getter), "verb": verb, "serializer_class": out, "post": schema(post)}
    return type(name, (DecisionView,), attributes)
