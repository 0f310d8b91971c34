"""Overtime requests."""

from rest_framework import serializers

from apps.attendance.api.serializers.common import MemberRefOut
from apps.attendance.models import OvertimeRequest


class OvertimeRequestIn(serializers.Serializer):
    work_date = serializers.DateField()
    minutes = serializers.IntegerField(min_value=1, max_value=1440)
    reason = serializers.CharField(max_length=500)


class OvertimeRequestOut(serializers.ModelSerializer):
    member = MemberRefOut()
    decided_by = serializers.CharField(source="decided_by.user.username", allow_null=True, default=None)

    class Meta:
        model = OvertimeRequest
        fields = [
            "id",
            "member",
            "work_date",
            "minutes",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
        ]


class OvertimeRequestsPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OvertimeRequestOut(many=True)
