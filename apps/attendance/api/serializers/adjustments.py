"""Adjustment (correction) requests."""

from rest_framework import serializers

from apps.attendance.api.serializers.common import (
    AwareDateTimeField,
    DecidableRequestOut,
    PageOut,
    request_fields,
)
from apps.attendance.models import AdjustmentRequest
from apps.core.params import SupportedDateField


class AdjustmentIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AdjustmentRequest.Kind.choices)
    work_date = SupportedDateField()
    requested_in_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    requested_out_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500)


class AdjustmentOut(DecidableRequestOut):
    class Meta:
        model = AdjustmentRequest
        fields = request_fields("work_date", "kind", "requested_in_at", "requested_out_at", "reason")


class AdjustmentsPageOut(PageOut):
    results = AdjustmentOut(many=True)
