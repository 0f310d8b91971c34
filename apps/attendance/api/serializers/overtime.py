"""Overtime requests."""

from rest_framework import serializers

from apps.attendance.api.serializers.common import DecidableRequestOut, PageOut, request_fields
from apps.attendance.models import OvertimeRequest
from apps.core.params import SupportedDateField


class OvertimeRequestIn(serializers.Serializer):
    work_date = SupportedDateField()
    minutes = serializers.IntegerField(min_value=1, max_value=1440)
    reason = serializers.CharField(max_length=500)


class OvertimeRequestOut(DecidableRequestOut):
    class Meta:
        model = OvertimeRequest
        fields = request_fields("work_date", "minutes", "reason")


class OvertimeRequestsPageOut(PageOut):
    results = OvertimeRequestOut(many=True)
