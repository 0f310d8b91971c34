"""Daily records and their summary."""

from rest_framework import serializers

from apps.attendance.api.serializers.common import MemberRefOut, PageOut
from apps.attendance.computation import IN_PROGRESS, UPCOMING
from apps.attendance.models import DailyRecord

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


class RecordsPageOut(PageOut):
    results = RecordOut(many=True)
    summary = RecordsSummaryOut()
