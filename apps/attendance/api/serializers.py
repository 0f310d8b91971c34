"""Input and output shapes of the attendance API (snake_case here, camelCase on the wire)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.attendance.computation import IN_PROGRESS, UPCOMING
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    OvertimeRequest,
    Punch,
    Shift,
)


class MemberRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    employee_no = serializers.CharField()
    name = serializers.CharField()


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


RECORD_STATUS_SHOWN = [
    *DailyRecord.Status.choices,
    (IN_PROGRESS, "In progress (today, or a night shift still running)"),
    (UPCOMING, "Upcoming (a later date)"),
]


class RecordOut(serializers.ModelSerializer):
    """A record as `records_judge` left it: before its day is over (`judged: false`) the status is
    in_progress / upcoming instead of normal, late, early_leave, late_early, partial or absent, and the
    late and early-leave minutes are 0."""

    member = MemberRefOut()
    judged = serializers.BooleanField(
        help_text="Whether the day is over (its shift's end plus grace has passed) and the status is final."
    )
    status = serializers.ChoiceField(choices=RECORD_STATUS_SHOWN, source="verdict")
    late_minutes = serializers.IntegerField(source="counted_late_minutes")
    early_leave_minutes = serializers.IntegerField(source="counted_early_leave_minutes")

    class Meta:
        model = DailyRecord
        fields = [
            "id",
            "member",
            "work_date",
            "judged",
            "status",
            "first_in_at",
            "last_out_at",
            "worked_minutes",
            "late_minutes",
            "early_leave_minutes",
            "source",
            "note",
            "approval_text",
            "leave_minutes",
            "overtime_minutes",
            "version",
            "updated_at",
        ]
        extra_kwargs = {
            "approval_text": {
                "help_text": "The day's approvals as an import gave them (关联的审批单); '' for none."
            },
            "leave_minutes": {"help_text": "Minutes of leave an import gave for the day; null: not given."},
            "overtime_minutes": {
                "help_text": "Minutes of overtime an import gave for the day; null: not given."
            },
        }

    def to_representation(self, record: DailyRecord) -> dict:
        """The fields above without DRF's generic walk over them (source lookups, a SkipField check and a
        nested serializer per record: a fifth of a month's records request when profiled, issue 16). The
        values are the declared fields' own: datetimes and choices are formatted by them, and a test
        compares the two for every field."""
        fields = self.fields
        moment = fields["first_in_at"].to_representation
        member = record.member
        return {
            "id": record.pk,
            "member": {
                "id": member.pk,
                "username": member.user.username,
                "employee_no": member.employee_no,
                "name": member.name,
            },
            "work_date": fields["work_date"].to_representation(record.work_date),
            "judged": bool(record.judged),
            "status": fields["status"].to_representation(record.verdict),
            "first_in_at": None if record.first_in_at is None else moment(record.first_in_at),
            "last_out_at": None if record.last_out_at is None else moment(record.last_out_at),
            "worked_minutes": record.worked_minutes,
            "late_minutes": record.counted_late_minutes,
            "early_leave_minutes": record.counted_early_leave_minutes,
            "source": record.source,
            "note": record.note,
            "approval_text": record.approval_text,
            "leave_minutes": record.leave_minutes,
            "overtime_minutes": record.overtime_minutes,
            "version": record.version,
            "updated_at": moment(record.updated_at),
        }


class StatusCountsOut(serializers.Serializer):
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


class RecordsSummaryOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    by_status = StatusCountsOut()
    worked_minutes = serializers.IntegerField()
    worked_hours = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    late_minutes = serializers.IntegerField()
    early_leave_minutes = serializers.IntegerField()
    not_judged_days = serializers.IntegerField(
        help_text="Records of days not over yet (today, later dates): left out of every count and total."
    )


class RecordsPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RecordOut(many=True)
    summary = RecordsSummaryOut()


class PunchesPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PunchOut(many=True)


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with an explicit offset: a bare local time is ambiguous across timezones, so it is refused."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError(_("Give a timezone offset, e.g. 2026-03-02T18:00:00+08:00."))
        return super().enforce_timezone(value)


class AdjustmentIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AdjustmentRequest.Kind.choices)
    work_date = serializers.DateField()
    requested_in_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    requested_out_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500)


class DecisionIn(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


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


class LeaveTypeOut(serializers.ModelSerializer):
    balance_unit = serializers.CharField()

    class Meta:
        model = LeaveType
        fields = [
            "id",
            "code",
            "name",
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
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    half = serializers.ChoiceField(choices=["am", "pm"], required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeaveRequestOut(serializers.ModelSerializer):
    member = MemberRefOut()
    leave_type = serializers.CharField(source="leave_type.code")
    decided_by = serializers.CharField(source="decided_by.user.username", allow_null=True, default=None)

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "member",
            "leave_type",
            "start_date",
            "end_date",
            "half",
            "hours",
            "amount",
            "working_days",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
        ]


class LeaveRequestsPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LeaveRequestOut(many=True)


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


class LedgerPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LedgerEntryOut(many=True)


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
    makeup_workday = serializers.BooleanField()
