"""Django admin for support staff. Configuration (shifts, calendar, sites, policy, leave types) is edited
here, with field diffs kept by django-auditlog; punches, records, requests and the ledger are read-only and
change only through admin actions that call the same services as the API."""

from collections import defaultdict

from django.contrib import admin, messages

from apps.access.models import Membership
from apps.attendance import services
from apps.attendance.models import (
    AdjustmentRequest,
    AttendancePolicy,
    DailyRecord,
    Holiday,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    OvertimeRequest,
    Punch,
    RequestStatus,
    Shift,
    ShiftAssignment,
    Site,
)
from apps.core.errors import DomainError

ADMIN_REJECT_COMMENT = "Rejected by an administrator in the admin site."


def _acting_membership(request, organization) -> Membership | None:
    return (
        Membership.objects.filter(user=request.user, organization=organization, is_active=True)
        .select_related("organization")
        .first()
    )


def _run_for_each(modeladmin, request, queryset, call) -> None:
    """Call `call(obj, actor)` for each object as the admin's membership in its organization."""
    done = failed = 0
    for obj in queryset.select_related("organization"):
        actor = _acting_membership(request, obj.organization)
        if actor is None:
            modeladmin.message_user(
                request, f"You are not a member of {obj.organization}; skipped #{obj.pk}.", messages.ERROR
            )
            failed += 1
            continue
        try:
            call(obj, actor)
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"#{obj.pk}: {error.code}: {error.message}", messages.ERROR)
            failed += 1
    modeladmin.message_user(
        request, f"{done} done, {failed} failed.", messages.SUCCESS if not failed else messages.WARNING
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "start_time",
        "end_time",
        "break_minutes",
        "late_grace_minutes",
        "early_grace_minutes",
        "required_minutes",
        "half_day_at",
        "is_active",
    ]
    list_filter = ["organization", "is_active"]
    search_fields = ["name"]


@admin.register(AttendancePolicy)
class AttendancePolicyAdmin(admin.ModelAdmin):
    list_display = ["organization", "default_shift", "default_weekdays", "geofence", "updated_at"]
    list_filter = ["geofence"]
    autocomplete_fields = ["default_shift"]


@admin.register(ShiftAssignment)
class ShiftAssignmentAdmin(admin.ModelAdmin):
    list_display = ["member", "shift", "weekdays", "start_date", "end_date", "priority", "organization"]
    list_filter = ["organization", "shift"]
    search_fields = ["member__user__username", "member__employee_no", "member__display_name"]
    autocomplete_fields = ["shift"]
    raw_id_fields = ["member"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "kind", "organization"]
    list_filter = ["organization", "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "latitude", "longitude", "radius_m", "is_active"]
    list_filter = ["organization", "is_active"]
    search_fields = ["name"]


@admin.register(Punch)
class PunchAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "member",
        "kind",
        "work_date",
        "source",
        "outside_geofence",
        "ip",
        "device_id",
    ]
    list_filter = ["organization", "kind", "source", "outside_geofence"]
    search_fields = ["member__user__username", "member__employee_no", "device_id", "ip"]
    date_hierarchy = "occurred_at"
    list_select_related = ["member__user"]


@admin.register(DailyRecord)
class DailyRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "work_date",
        "member",
        "status",
        "first_in_at",
        "last_out_at",
        "worked_minutes",
        "late_minutes",
        "early_leave_minutes",
        "source",
        "version",
    ]
    list_filter = ["organization", "status", "source"]
    search_fields = ["member__user__username", "member__employee_no", "note"]
    date_hierarchy = "work_date"
    list_select_related = ["member__user"]
    actions = ["recompute"]

    @admin.action(description="Recompute the selected records from punches, shifts, leave and adjustments")
    def recompute(self, request, queryset):
        pairs = defaultdict(lambda: (set(), set()))
        for organization, member_id, work_date in queryset.values_list(
            "organization", "member_id", "work_date"
        ):
            pairs[organization][0].add(member_id)
            pairs[organization][1].add(work_date)
        for organization_id, (member_ids, dates) in pairs.items():
            record = queryset.filter(organization_id=organization_id).select_related("organization").first()
            actor = _acting_membership(request, record.organization)
            try:
                result = services.records_recompute(
                    organization=record.organization,
                    member_ids=sorted(member_ids),
                    dates=sorted(dates),
                    actor=actor,
                )
            except DomainError as error:
                self.message_user(request, f"{error.code}: {error.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{record.organization}: {result.updated} updated, {result.created} created, "
                f"{result.unchanged} unchanged, {result.skipped_locked} locked.",
                messages.SUCCESS,
            )


class RequestAdminMixin(ReadOnlyAdmin):
    list_filter = ["organization", "status"]
    search_fields = ["member__user__username", "member__employee_no", "reason"]
    list_select_related = ["member__user", "decided_by__user"]
    actions = ["approve", "reject"]
    approve_service = None
    reject_service = None

    @admin.action(description="Approve the selected pending requests")
    def approve(self, request, queryset):
        _run_for_each(
            self,
            request,
            queryset.filter(status=RequestStatus.PENDING),
            lambda obj, actor: type(self).approve_service(request=obj, approver=actor),
        )

    @admin.action(description="Reject the selected pending requests")
    def reject(self, request, queryset):
        _run_for_each(
            self,
            request,
            queryset.filter(status=RequestStatus.PENDING),
            lambda obj, actor: type(self).reject_service(
                request=obj, approver=actor, comment=ADMIN_REJECT_COMMENT
            ),
        )


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(RequestAdminMixin):
    list_display = [
        "id",
        "member",
        "work_date",
        "kind",
        "status",
        "requested_in_at",
        "requested_out_at",
        "decided_by",
        "created_at",
    ]
    list_filter = ["organization", "status", "kind"]
    date_hierarchy = "work_date"
    approve_service = staticmethod(services.adjustment_request_approve)
    reject_service = staticmethod(services.adjustment_request_reject)


@admin.register(OvertimeRequest)
class OvertimeRequestAdmin(RequestAdminMixin):
    list_display = ["id", "member", "work_date", "minutes", "status", "decided_by", "created_at"]
    list_filter = ["organization", "status"]
    date_hierarchy = "work_date"
    approve_service = staticmethod(services.overtime_request_approve)
    reject_service = staticmethod(services.overtime_request_reject)


@admin.register(LeaveType)
class LeaveTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "organization",
        "unit",
        "is_paid",
        "yearly_allowance",
        "allow_negative",
        "is_active",
    ]
    list_filter = ["organization", "unit", "is_paid", "is_active"]
    search_fields = ["name", "code"]
    actions = ["accrue_this_year"]

    @admin.action(description="Give every member this year's allowance (safe to repeat)")
    def accrue_this_year(self, request, queryset):
        from django.utils import timezone

        for organization in {
            leave_type.organization for leave_type in queryset.select_related("organization")
        }:
            year = timezone.localdate(timezone.now(), organization.tzinfo).year
            created = services.leave_accrue_year(
                organization=organization, year=year, actor=_acting_membership(request, organization)
            )
            self.message_user(
                request, f"{organization}: {created} accrual entries for {year}.", messages.SUCCESS
            )


@admin.register(LeaveRequest)
class LeaveRequestAdmin(RequestAdminMixin):
    list_display = [
        "id",
        "member",
        "leave_type",
        "start_date",
        "end_date",
        "amount",
        "status",
        "decided_by",
        "created_at",
    ]
    list_filter = ["organization", "status", "leave_type"]
    date_hierarchy = "start_date"
    list_select_related = ["member__user", "decided_by__user", "leave_type"]
    approve_service = staticmethod(services.leave_request_approve)
    reject_service = staticmethod(services.leave_request_reject)


@admin.register(LeaveLedgerEntry)
class LeaveLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "effective_date",
        "member",
        "leave_type",
        "kind",
        "amount",
        "leave_request",
        "note",
        "created_by",
    ]
    list_filter = ["organization", "kind", "leave_type"]
    search_fields = ["member__user__username", "member__employee_no", "note"]
    list_select_related = ["member__user", "leave_type", "created_by__user"]
