"""Leave types, balances, requests and the ledger."""

from rest_framework import serializers

from apps.attendance.api.serializers.common import DecidableRequestOut, PageOut, request_fields
from apps.attendance.models import LeaveLedgerEntry, LeaveRequest, LeaveType
from apps.core.params import SupportedDateField


class LeaveTypeOut(serializers.ModelSerializer):
    balance_unit = serializers.CharField()

    class Meta:
        model = LeaveType
        fields = [
            "id",
            "code",
            "name",
            "name_zh",
            "is_paid",
            "unit",
            "balance_unit",
            "yearly_allowance",
            "allow_negative",
        ]


class LeaveBalanceOut(serializers.Serializer):
    leave_type = LeaveTypeOut()
    balance = serializers.DecimalField(max_digits=9, decimal_places=2)
    pending = serializers.DecimalField(max_digits=9, decimal_places=2)
    available = serializers.DecimalField(max_digits=9, decimal_places=2)


class LeaveRequestIn(serializers.Serializer):
    leave_type = serializers.SlugField(max_length=40, help_text="The leave type's code, e.g. annual.")
    start_date = SupportedDateField()
    end_date = SupportedDateField()
    half = serializers.ChoiceField(choices=["am", "pm"], required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeaveRequestOut(DecidableRequestOut):
    leave_type = serializers.CharField(source="leave_type.code")

    class Meta:
        model = LeaveRequest
        fields = request_fields(
            "leave_type", "start_date", "end_date", "half", "hours", "amount", "working_days", "reason"
        )


class LeaveRequestsPageOut(PageOut):
    results = LeaveRequestOut(many=True)


class LeaveBalanceAdjustIn(serializers.Serializer):
    member = serializers.CharField(max_length=150, help_text="Username or employee number.")
    leave_type = serializers.SlugField(max_length=40)
    amount = serializers.DecimalField(
        max_digits=7, decimal_places=2, help_text="Positive adds, negative takes."
    )
    note = serializers.CharField(max_length=300)


class LedgerEntryOut(serializers.ModelSerializer):
    leave_type = serializers.CharField(source="leave_type.code")
    leave_request = serializers.IntegerField(source="leave_request_id", allow_null=True)
    created_by = serializers.CharField(source="created_by.user.username", allow_null=True, default=None)

    class Meta:
        model = LeaveLedgerEntry
        fields = [
            "id",
            "leave_type",
            "kind",
            "amount",
            "effective_date",
            "accrual_year",
            "leave_request",
            "note",
            "created_by",
            "created_at",
        ]


class LedgerPageOut(PageOut):
    results = LedgerEntryOut(many=True)
