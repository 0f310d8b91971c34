"""Approving many requests at once."""

from rest_framework import serializers


class BulkApproveIn(serializers.Serializer):
    adjustment_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=200
    )
    leave_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=200
    )
    overtime_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=200
    )
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BulkItemOut(serializers.Serializer):
    request_type = serializers.ChoiceField(choices=["adjustment", "leave", "overtime"])
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()


class BulkApproveOut(serializers.Serializer):
    approved = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkItemOut(many=True)
