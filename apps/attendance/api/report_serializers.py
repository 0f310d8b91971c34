"""What the reports API answers (`apps/attendance/reports.py` computes it)."""

from rest_framework import serializers

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class ReportMemberOut(serializers.Serializer):
    id = serializers.IntegerField(source="member_id")
    username = serializers.CharField()
    employee_no = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()


class ReportLeaveTypeOut(serializers.Serializer):
    code = serializers.CharField(source="leave_type_code")
    name = serializers.CharField(source="leave_type_name")
    unit = serializers.CharField(
        help_text="What the figures count: `day` or `hour` (half-day types count days, like their balance)."
    )
    unlimited = serializers.BooleanField(
        help_text="No allowance and no floor: nothing remains to count down."
    )


class LeaveSummaryRowOut(serializers.Serializer):
    member = ReportMemberOut(source="*")
    leave_type = ReportLeaveTypeOut(source="*")
    taken = serializers.DecimalField(**AMOUNT, help_text="Approved leave starting in the year.")
    pending = serializers.DecimalField(**AMOUNT, help_text="Pending requests starting in the year.")
    remaining = serializers.DecimalField(
        **AMOUNT, allow_null=True, help_text="The balance at the end of the year (null for unlimited types)."
    )


class LeaveTypeTotalOut(serializers.Serializer):
    leave_type = ReportLeaveTypeOut(source="*")
    members = serializers.IntegerField()
    taken = serializers.DecimalField(**AMOUNT)
    pending = serializers.DecimalField(**AMOUNT)
    remaining = serializers.DecimalField(**AMOUNT, allow_null=True)


class LeaveSummaryOut(serializers.Serializer):
    year = serializers.IntegerField()
    department = serializers.CharField(allow_null=True)
    rows = LeaveSummaryRowOut(many=True)
    totals = LeaveTypeTotalOut(many=True, help_text="Per leave type, over the rows.")


class AttendanceFiguresOut(serializers.Serializer):
    days = serializers.IntegerField(help_text="Daily records counted.")
    worked_minutes = serializers.IntegerField()
    worked_hours = serializers.DecimalField(**AMOUNT)
    late_count = serializers.IntegerField(help_text="Days with late minutes.")
    late_minutes = serializers.IntegerField()
    early_leave_count = serializers.IntegerField(help_text="Days with early-leave minutes.")
    early_leave_minutes = serializers.IntegerField()
    absences = serializers.IntegerField(help_text="Working days without a punch (status absent).")
    leave_days = serializers.IntegerField(help_text="Working days covered by approved leave (status leave).")


class AttendanceSummaryRowOut(AttendanceFiguresOut):
    member = ReportMemberOut(source="*")


class DepartmentTotalOut(AttendanceFiguresOut):
    department = serializers.CharField()
    members = serializers.IntegerField()


class AttendanceTotalsOut(AttendanceFiguresOut):
    members = serializers.IntegerField()


class AttendanceSummaryOut(serializers.Serializer):
    start = serializers.DateField(help_text="The first work date asked for (`from`).")
    end = serializers.DateField(help_text="The last work date asked for (`to`).")
    counted_until = serializers.DateField(
        allow_null=True, help_text="The last day counted: days from today on are not over and left out."
    )
    department = serializers.CharField(allow_null=True)
    rows = AttendanceSummaryRowOut(many=True)
    departments = DepartmentTotalOut(many=True)
    totals = AttendanceTotalsOut()
