"""/api/attendance-admin/webhooks: endpoints, their deliveries, replaying dead letters (admins only)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.access.api.permissions import AdminView
from apps.audit.models import WebhookDelivery, WebhookEndpoint
from apps.audit.webhooks import endpoints as services
from apps.audit.webhooks.events import EVENT_TYPES
from apps.core.errors import ValidationFailed
from apps.core.pagination import StandardPagination
from apps.core.ratelimit import UNSAFE, rate_limited

TAGS = ["webhooks"]


class EndpointOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at", "updated_at"]


class EndpointCreatedOut(EndpointOut):
    secret = serializers.CharField(help_text="Shown only in this answer: keep it to verify signatures.")

    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]


class EndpointIn(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class EndpointPatch(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DeliveryOut(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.event_id")
    event_type = serializers.CharField(source="event.type")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "subject",
            "occurred_at",
            "status",
            "attempts",
            "replays",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_response",
            "last_error",
            "last_duration_ms",
            "delivered_at",
        ]


class EventTypeOut(serializers.Serializer):
    type = serializers.CharField()
    description = serializers.CharField()


class ReplayedOut(serializers.Serializer):
    replayed = serializers.IntegerField()


class WebhooksView(AdminView):
    """The organization's webhook endpoints; register one (its secret is shown once)."""

    audit_action = "audit.webhook.create"

    @extend_schema(operation_id="admin_webhooks", tags=TAGS, responses=EndpointOut(many=True))
    def get(self, request):
        endpoints = WebhookEndpoint.objects.for_org(self.organization).order_by("id")
        return Response(EndpointOut(endpoints, many=True).data)

    @extend_schema(
        operation_id="admin_webhook_create",
        tags=TAGS,
        request=EndpointIn,
        responses={201: EndpointCreatedOut},
        description="Register an endpoint for some event types (GET .../webhooks/event-types). The answer "
        "holds the signing secret, shown this once. Addresses in private, loopback or link-local ranges are "
        "refused (400 WEBHOOK_TARGET_FORBIDDEN) unless the server allows them (demo, tests).",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request):
        data = EndpointIn(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.webhook_endpoint_create(actor=self.admin, **data.validated_data)
        body = EndpointCreatedOut(created.endpoint).data | {"secret": created.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookEventTypesView(AdminView):
    @extend_schema(operation_id="admin_webhook_event_types", tags=TAGS, responses=EventTypeOut(many=True))
    def get(self, request):
        return Response([{"type": key, "description": str(text)} for key, text in EVENT_TYPES.items()])


class WebhookView(AdminView):
    """One endpoint: read, change (url, events, description, isActive), remove."""

    audit_action = "audit.webhook.update"

    @extend_schema(operation_id="admin_webhook", tags=TAGS, responses=EndpointOut)
    def get(self, request, webhook_id: int):
        endpoint = services.webhook_endpoint_get(actor=self.admin, endpoint_id=webhook_id)
        return Response(EndpointOut(endpoint).data)

    @extend_schema(
        operation_id="admin_webhook_update",
        tags=TAGS,
        request=EndpointPatch,
        responses=EndpointOut,
        description="Change only the fields given. Switching an endpoint off keeps its deliveries waiting; "
        "switching it on sends them, in order.",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def patch(self, request, webhook_id: int):
        endpoint = services.webhook_endpoint_get(actor=self.admin, endpoint_id=webhook_id)
        data = EndpointPatch(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            raise ValidationFailed("VALIDATION_ERROR", _("Give at least one field to change."))
        endpoint = services.webhook_endpoint_update(
            actor=self.admin, endpoint=endpoint, **data.validated_data
        )
        return Response(EndpointOut(endpoint).data)

    @extend_schema(operation_id="admin_webhook_delete", tags=TAGS, responses={204: None})
    @rate_limited("admin_write", methods=UNSAFE)
    def delete(self, request, webhook_id: int):
        endpoint = services.webhook_endpoint_get(actor=self.admin, endpoint_id=webhook_id)
        services.webhook_endpoint_delete(actor=self.admin, endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(AdminView):
    """An endpoint's deliveries, newest first: status, attempts, the last response."""

    @extend_schema(
        operation_id="admin_webhook_deliveries",
        tags=TAGS,
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=WebhookDelivery.Status.values)],
        responses=DeliveryOut(many=True),
    )
    def get(self, request, webhook_id: int):
        endpoint = services.webhook_endpoint_get(actor=self.admin, endpoint_id=webhook_id)
        deliveries = endpoint.deliveries.select_related("event").order_by("-sequence", "-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in WebhookDelivery.Status.values:
                raise ValidationFailed(
                    "VALIDATION_ERROR", _("Unknown status."), {"fields": {"status": [_("Invalid.")]}}
                )
            deliveries = deliveries.filter(status=wanted)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliveryOut(page, many=True).data)


class WebhookReplayDeadView(AdminView):
    audit_action = "audit.webhook.replay_all"

    @extend_schema(
        operation_id="admin_webhook_replay_dead",
        tags=TAGS,
        request=None,
        responses=ReplayedOut,
        description="Send every dead letter of this endpoint again (same event ids, in order per subject).",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request, webhook_id: int):
        endpoint = services.webhook_endpoint_get(actor=self.admin, endpoint_id=webhook_id)
        return Response(
            {"replayed": services.webhook_dead_letters_replay(actor=self.admin, endpoint=endpoint)}
        )


class DeliveryReplayView(AdminView):
    audit_action = "audit.webhook.replay"

    @extend_schema(
        operation_id="admin_webhook_delivery_replay",
        tags=TAGS,
        request=None,
        responses=DeliveryOut,
        description="Send one dead letter again; 409 DELIVERY_NOT_DEAD when it is not one.",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request, delivery_id: int):
        delivery = services.webhook_delivery_get(actor=self.admin, delivery_id=delivery_id)
        delivery = services.webhook_delivery_replay(actor=self.admin, delivery=delivery)
        return Response(DeliveryOut(delivery).data)
