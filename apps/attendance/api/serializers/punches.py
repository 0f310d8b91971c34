"""Punches in and out."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.attendance.api.serializers.common import PageOut
from apps.attendance.models import Punch


class LocationIn(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(min_value=0, max_value=100_000, required=False, allow_null=True)


class PunchIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Punch.Kind.choices)
    location = LocationIn(required=False, allow_null=True)
    device_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class LocationOut(serializers.Serializer):
    lat = serializers.FloatField(source="latitude")
    lon = serializers.FloatField(source="longitude")
    accuracy = serializers.FloatField(source="accuracy_m", allow_null=True)


class PunchOut(serializers.ModelSerializer):
    location = serializers.SerializerMethodField()
    site = serializers.CharField(source="site.name", allow_null=True, default=None)

    class Meta:
        model = Punch
        fields = [
            "id",
            "kind",
            "occurred_at",
            "work_date",
            "source",
            "device_id",
            "location",
            "outside_geofence",
            "site",
        ]

    @extend_schema_field(LocationOut(allow_null=True))
    def get_location(self, punch: Punch) -> dict | None:
        return LocationOut(punch).data if punch.latitude is not None else None


class PunchesPageOut(PageOut):
    results = PunchOut(many=True)
