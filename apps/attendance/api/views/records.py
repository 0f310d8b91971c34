"""Daily records with the period summary."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import CanRead, HasMembership, require_membership
from apps.attendance import selectors
from apps.attendance.api import serializers as s
from apps.attendance.api.views._common import (
    ERRORS,
    RANGE_PARAMETERS,
    member_param,
    paginated,
    period,
)
from apps.attendance.filters import RecordFilter
from apps.attendance.services._common import local_today
from apps.core.filters import filtered


class RecordsView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_records_list",
        tags=["attendance"],
        parameters=RANGE_PARAMETERS,
        responses={200: s.RecordsPageOut, **ERRORS},
        description="Daily records with a summary of the whole period (all pages): counts by status, worked "
        "hours, late minutes. A day is judged once it is over (its shift's end plus grace; a rest day at "
        "midnight): before that a record has `judged: false`, the status `in_progress` (today) or "
        "`upcoming` (a later date) instead of normal / late / early_leave / late_early / partial / absent, "
        "0 late and early-leave minutes, and it is left out of the summary (`notJudgedDays` counts it). "
        "Employees see their own, approvers their team, admins everyone; asking for "
        "anyone else is 404.",
    )
    def get(self, request):
        membership = require_membership(request)
        found = RecordFilter(request.query_params, viewer=membership, today=local_today(membership))
        records = filtered(found)
        start, end = found.start, found.end
        organization = membership.organization
        now = timezone.now()
        summary = selectors.records_summary(records, organization=organization, now=now)
        return paginated(
            request,
            self,
            records,
            s.RecordOut,
            # The summary counted the records and built the calendar that judges any page of them.
            prepare=lambda page: selectors.records_judge(
                page, organization=organization, now=now, calendar=summary.calendar
            ),
            count=summary.records,
            summary=s.RecordsSummaryOut(
                {
                    "start": start,
                    "end": end,
                    "days": summary.days,
                    "by_status": summary.by_status,
                    "worked_minutes": summary.worked_minutes,
                    "worked_hours": summary.worked_hours,
                    "late_minutes": summary.late_minutes,
                    "early_leave_minutes": summary.early_leave_minutes,
                    "not_judged_days": summary.not_judged_days,
                }
            ).data,
        )


class ScheduleView(APIView):
    permission_classes = [HasMembership, CanRead]

    @extend_schema(
        operation_id="attendance_schedule",
        tags=["attendance"],
        parameters=RANGE_PARAMETERS,
        responses={200: s.ScheduleDayOut(many=True), **ERRORS},
        description="Day by day: the shift a member works, holidays and makeup workdays (default: you, this "
        "month up to today).",
    )
    def get(self, request):
        membership = require_membership(request)
        start, end = period(request, membership)
        member = member_param(request, membership) or membership
        return Response(
            s.ScheduleDayOut(selectors.member_schedule(member=member, start=start, end=end), many=True).data
        )
