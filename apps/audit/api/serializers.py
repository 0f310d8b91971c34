"""Input and output shapes of the operation-log API (snake_case here, camelCase on the wire)."""

from rest_framework import serializers

from apps.audit.models import OperationLog


class OperationLogOut(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = OperationLog
        fields = [
            "id",
            "sequence",
            "created_at",
            "organization",
            "actor_id",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "result",
            "ip",
            "user_agent",
            "request_id",
            "details",
            "entry_hash",
        ]
        # The API lists sealed entries only (apps.audit.selectors.audit_log_entries): a sequence is set.
        extra_kwargs = {"sequence": {"allow_null": False}}


class CountOut(serializers.Serializer):
    key = serializers.CharField()
    count = serializers.IntegerField()


class SummaryOut(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    total = serializers.IntegerField()
    by_action = CountOut(many=True)
    by_actor = CountOut(many=True)
    by_result = CountOut(many=True)
