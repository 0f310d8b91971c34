"""Shifts and the schedule."""

from rest_framework import serializers

from apps.attendance.models import Shift


class ShiftOut(serializers.ModelSerializer):
    crosses_midnight = serializers.BooleanField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "name",
            "start_time",
            "end_time",
            "crosses_midnight",
            "break_minutes",
            "late_grace_minutes",
            "early_grace_minutes",
            "required_minutes",
            "half_day_at",
        ]


class ScheduleDayOut(serializers.Serializer):
    work_date = serializers.DateField()
    is_workday = serializers.BooleanField()
    shift = ShiftOut(allow_null=True)
    holiday = serializers.CharField(source="holiday.name", allow_null=True, default=None)
    holiday_name_zh = serializers.CharField(
        source="holiday.name_zh",
        allow_null=True,
        default=None,
        help_text="The holiday's Chinese name ('' when it has none, null on a day without a holiday).",
    )
    makeup_workday = serializers.BooleanField()
