"""The endpoints every kind of request (adjustment, leave, overtime) has, made from one description.

A `RequestKind` names the kind's serializers, selectors, create service and operation ids; from it
`request_list_view` makes GET (list, scoped) + POST (create, idempotent) on `/<kind>s`,
`request_detail_view` makes GET on `/<kind>s/<id>`, and `decision_view` makes POST on
`/<kind>s/<id>/approve | reject | cancel`. Each made class has its own OpenAPI operation (drf-spectacular
reads the annotations of the class's own functions), so the schema names every operation as before.
"""

from collections.abc import Callable
from dataclasses import dataclass

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, CanWrite, HasMembership, require_membership
from apps.attendance import services
from apps.attendance.api import serializers as s
from apps.attendance.api.views._common import (
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    REQUEST_LIST_PARAMETERS,
    created,
    idempotency_key,
    paginated,
    request_scope,
)


@dataclass(frozen=True)
class RequestKind:
    """What the endpoints of one kind of request differ in."""

    operation: str  # operation ids: <operation>s_list, <operation>_create, _get, _approve, _reject, _cancel
    input: type[Serializer]  # the create body
    output: type[Serializer]  # one request
    page: type[Serializer]  # a page of requests (for the schema)
    list_selector: Callable  # (*, viewer, scope, status) -> queryset
    getter: Callable  # (*, viewer, request_id) -> the request, 404 outside the viewer's reach
    create: Callable  # (*, member, idempotency_key, **validated input) -> Outcome
    create_description: str


def _name(operation_id: str) -> str:
    return "".join(part.title() for part in operation_id.split("_")) + "View"


# The base classes carry no docstring: drf-spectacular would take it as every made operation's description.


class RequestListView(APIView):
    # GET: the viewer's requests of the kind (scope mine | team, a status); POST: ask (Idempotency-Key).
    permission_classes = [HasMembership, CanWrite]
    kind: RequestKind

    def get_permissions(self):
        return [HasMembership(), CanRead()] if self.request.method == "GET" else super().get_permissions()

    def get(self, request):
        membership = require_membership(request)
        scope, wanted = request_scope(request)
        requests = self.kind.list_selector(viewer=membership, scope=scope, status=wanted)
        return paginated(request, self, requests, self.kind.output)

    def post(self, request):
        membership = require_membership(request)
        key = idempotency_key(request)
        data = self.kind.input(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = self.kind.create(member=membership, idempotency_key=key, **data.validated_data)
        return created(outcome, self.kind.output)


def request_list_view(kind: RequestKind) -> type[RequestListView]:
    list_schema = extend_schema(
        operation_id=f"{kind.operation}s_list",
        tags=["attendance"],
        parameters=REQUEST_LIST_PARAMETERS,
        responses={200: kind.page, 400: OpenApiTypes.OBJECT},
    )
    create_schema = extend_schema(
        operation_id=f"{kind.operation}_create",
        tags=["attendance"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=kind.input,
        responses={201: kind.output, **ERRORS},
        description=kind.create_description,
    )

    def get(self, request):  # functions of their own: extend_schema annotates the function
        return RequestListView.get(self, request)

    def post(self, request):
        return RequestListView.post(self, request)

    attributes = {"kind": kind, "get": list_schema(get), "post": create_schema(post)}
    return type(_name(f"{kind.operation}s"), (RequestListView,), attributes)


class RequestDetailView(APIView):
    permission_classes = [HasMembership, CanRead]
    kind: RequestKind

    def get(self, request, pk: int):
        membership = require_membership(request)
        return Response(self.kind.output(self.kind.getter(viewer=membership, request_id=pk)).data)


def request_detail_view(kind: RequestKind) -> type[RequestDetailView]:
    schema = extend_schema(
        operation_id=f"{kind.operation}_get",
        tags=["attendance"],
        responses={200: kind.output, 404: OpenApiTypes.OBJECT},
    )

    def get(self, request, pk: int):
        return RequestDetailView.get(self, request, pk)

    return type(_name(f"{kind.operation}_detail"), (RequestDetailView,), {"kind": kind, "get": schema(get)})


class DecisionView(APIView):
    # POST .../<id>/approve | reject | cancel for any kind of request; `decision_view()` makes one.
    permission_classes = [HasMembership]
    kind: RequestKind
    verb = ""

    def post(self, request, pk: int):
        membership = require_membership(request)
        target = self.kind.getter(viewer=membership, request_id=pk)
        data = s.DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        if self.verb == "cancel":
            decided = services.request_cancel(request=target, actor=membership)
        else:
            decided = services.request_decide(
                request=target, approver=membership, verb=self.verb, comment=data.validated_data["comment"]
            )
        return Response(self.kind.output(decided).data)


def decision_view(kind: RequestKind, *, verb: str, description: str) -> type[DecisionView]:
    """The decision endpoint of one kind and verb, with its own OpenAPI operation."""
    operation_id = f"{kind.operation}_{verb}"
    schema = extend_schema(
        operation_id=operation_id,
        tags=["attendance"],
        request=s.DecisionIn,
        responses={200: kind.output, 403: OpenApiTypes.OBJECT, **ERRORS},
        description=description,
    )

    def post(self, request, pk: int):
        return DecisionView.post(self, request, pk)

    return type(_name(operation_id), (DecisionView,), {"kind": kind, "verb": verb, "post": schema(post)})
