"""Adjustment (correction) requests."""

from rest_framework import serializers

from apps.attendance.api.serializers.common import AwareDateTimeField, MemberRefOut
from apps.attendance.models import AdjustmentRequest


class AdjustmentIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AdjustmentRequest.Kind.choices)
    work_date = serializers.DateField()
    requested_in_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    requested_out_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500)


class AdjustmentOut(serializers.ModelSerializer):
    member = MemberRefOut()
    decided_by = serializers.CharField(source="decided_by.user.username", allow_null=True, default=None)

    class Meta:
        model = AdjustmentRequest
        fields = [
            "id",
            "member",
            "work_date",
            "kind",
            "requested_in_at",
            "requested_out_at",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
        ]


class AdjustmentsPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AdjustmentOut(many=True)
