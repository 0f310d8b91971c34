"""Input and output shapes of the payroll API (snake_case here, camelCase on the wire)."""

from rest_framework import serializers

from apps.core.params import SupportedDateField
from apps.payroll_cycles.models import OvertimeRule, PayrollCycle, PayrollTemplate


class TemplateIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=PayrollTemplate.Kind.choices, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    start_day = serializers.IntegerField(min_value=1, max_value=31, required=False)
    end_day = serializers.IntegerField(min_value=1, max_value=31, required=False)
    end_month_offset = serializers.IntegerField(min_value=0, max_value=1, required=False)
    anchor_date = SupportedDateField(required=False, allow_null=True)
    auto_generate = serializers.BooleanField(required=False)
    config = serializers.DictField(required=False)
    is_default = serializers.BooleanField(required=False)


class TemplateUpdateIn(TemplateIn):
    name = serializers.CharField(max_length=100, required=False)


class TemplateOut(serializers.ModelSerializer):
    class Meta:
        model = PayrollTemplate
        fields = [
            "id",
            "name",
            "kind",
            "timezone",
            "start_day",
            "end_day",
            "end_month_offset",
            "anchor_date",
            "auto_generate",
            "config",
            "is_default",
            "created_at",
            "updated_at",
        ]


class CycleIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    start_date = SupportedDateField()
    end_date = SupportedDateField()
    template_id = serializers.IntegerField(required=False, allow_null=True)


class CycleUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    start_date = SupportedDateField(required=False)
    end_date = SupportedDateField(required=False)
    template_id = serializers.IntegerField(required=False, allow_null=True)


class CycleOut(serializers.ModelSerializer):
    template_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = PayrollCycle
        fields = [
            "id",
            "name",
            "template_id",
            "start_date",
            "end_date",
            "status",
            "snapshot_version",
            "locked_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]


class CyclesPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = CycleOut(many=True)


class GenerateIn(serializers.Serializer):
    template_id = serializers.IntegerField(required=False, allow_null=True)
    anchor_date = SupportedDateField(required=False, allow_null=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False, allow_null=True)
    count = serializers.IntegerField(min_value=1, max_value=36, default=1)
    name_prefix = serializers.CharField(max_length=100, required=False, allow_blank=True)
    idempotency_key = serializers.CharField(max_length=128, required=False, allow_blank=True)


class RangeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(required=False)
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class GenerateOut(serializers.Serializer):
    created = RangeOut(many=True)
    skipped = RangeOut(many=True)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(max_length=128, required=False, allow_blank=True)


class TransitionOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    snapshot_version = serializers.IntegerField()


class LeaveMinutesOut(serializers.Serializer):
    code = serializers.CharField()
    minutes = serializers.IntegerField()


class PayrollStatusCountsOut(serializers.Serializer):
    normal = serializers.IntegerField()
    late = serializers.IntegerField()
    early_leave = serializers.IntegerField()
    late_early = serializers.IntegerField()
    partial = serializers.IntegerField()
    absent = serializers.IntegerField()
    off = serializers.IntegerField()
    holiday = serializers.IntegerField()
    leave = serializers.IntegerField()
    adjusted = serializers.IntegerField()


class SummaryRowOut(serializers.Serializer):
    member_id = serializers.IntegerField()
    username = serializers.CharField()
    employee_no = serializers.CharField()
    name = serializers.CharField()
    total_days = serializers.IntegerField()
    total_minutes = serializers.IntegerField()
    worked_minutes = serializers.IntegerField()
    regular_minutes = serializers.IntegerField()
    overtime_minutes = serializers.IntegerField()
    workday_overtime_minutes = serializers.IntegerField()
    restday_overtime_minutes = serializers.IntegerField()
    holiday_overtime_minutes = serializers.IntegerField()
    weighted_overtime_minutes = serializers.IntegerField()
    late_count = serializers.IntegerField()
    late_minutes = serializers.IntegerField()
    early_leave_count = serializers.IntegerField()
    early_leave_minutes = serializers.IntegerField()
    counts = PayrollStatusCountsOut()
    absent_days = serializers.IntegerField()
    leave_minutes = serializers.IntegerField()
    leave_by_type = LeaveMinutesOut(many=True)
    open_anomalies = serializers.IntegerField()


class SummaryPageOut(serializers.Serializer):
    cycle = CycleOut()
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SummaryRowOut(many=True)


class SummaryJobOut(serializers.Serializer):
    id = serializers.IntegerField()
    cycle_id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    members = serializers.IntegerField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    results = SummaryRowOut(many=True, source="result", allow_null=True)


class OvertimeRuleIn(serializers.Serializer):
    shift_id = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    min_minutes = serializers.IntegerField(required=False)
    rounding_minutes = serializers.IntegerField(required=False)
    rounding_mode = serializers.CharField(required=False)
    max_minutes_per_day = serializers.IntegerField(required=False)
    daily_threshold_minutes = serializers.IntegerField(required=False)
    weekly_threshold_minutes = serializers.IntegerField(required=False, allow_null=True)
    count_before_shift = serializers.BooleanField(required=False)
    workday_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    restday_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    holiday_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    requires_approval = serializers.BooleanField(required=False)


class OvertimeRuleOut(serializers.ModelSerializer):
    shift_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = OvertimeRule
        fields = [
            "id",
            "shift_id",
            "name",
            "min_minutes",
            "rounding_minutes",
            "rounding_mode",
            "max_minutes_per_day",
            "daily_threshold_minutes",
            "weekly_threshold_minutes",
            "count_before_shift",
            "workday_multiplier",
            "restday_multiplier",
            "holiday_multiplier",
            "requires_approval",
            "updated_at",
        ]


class ResolveItemIn(serializers.Serializer):
    """One anomaly to settle (documentation of an item; each item is checked on its own)."""

    member = serializers.CharField(help_text="The member's id (memberId), username or employee number.")
    date = SupportedDateField()
    request_type = serializers.ChoiceField(
        choices=["leave", "missed_check_in", "missed_check_out", "time_correction"],
        required=False,
        help_text="Default: the anomaly's suggestedRequestType.",
    )
    reason = serializers.CharField(max_length=500, required=False)
    leave_type = serializers.CharField(required=False, help_text="A leave type's code (for leave).")
    requested_in_at = serializers.DateTimeField(
        required=False, help_text="Default: the shift's start (missing or late check-in)."
    )
    requested_out_at = serializers.DateTimeField(
        required=False, help_text="Default: the shift's end (missing or early check-out)."
    )


class ResolveIn(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=1000)
    idempotency_key = serializers.CharField(max_length=128, required=False, allow_blank=True)
    approve = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    leave_type = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ResolveRequestOut(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()


class ResolveResultOut(serializers.Serializer):
    index = serializers.IntegerField()
    member = serializers.JSONField(allow_null=True, help_text="The member as the item named them.")
    date = serializers.DateField(allow_null=True)
    request_type = serializers.CharField(allow_null=True)
    result = serializers.ChoiceField(choices=["created", "approved", "skipped", "error"])
    code = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    request = ResolveRequestOut(allow_null=True)


class ResolveOut(serializers.Serializer):
    created = serializers.IntegerField()
    approved = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = ResolveResultOut(many=True)
