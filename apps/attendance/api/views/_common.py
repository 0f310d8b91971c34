"""What the attendance API views share: the Idempotency-Key header, date ranges, member lookup, paging and
a request list's scope. The views of a kind of request are made in request_kinds.py."""

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from apps.attendance import selectors
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
