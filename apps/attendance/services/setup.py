"""Setting up attendance for an organization: shifts, assignments, the calendar, sites and the policy.

Used by the Django admin, the demo seeder and tests. A change here does not rewrite past records by
itself: run `records_recompute` (admin action or `manage.py attendance_recompute`) for the dates affected.
"""

from datetime import date, time

from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.attendance.models import (
    ALL_WEEKDAYS,
    MONDAY_TO_FRIDAY,
    AttendancePolicy,
    Holiday,
    Shift,
    ShiftAssignment,
    Site,
)
from apps.audit.services import audit_record
from apps.core.errors import ValidationFailed


def shift_create(
    *,
    organization: Organization,
    name: str,
    start_time: time,
    end_time: time,
    break_minutes: int = 0,
    late_grace_minutes: int = 0,
    early_grace_minutes: int = 0,
    required_minutes: int | None = None,
    half_day_at: time | None = None,
    actor: Membership | None = None,
) -> Shift:
    """Create (or return the existing) shift `name`. Required minutes default to the span minus the break;
    a half day off splits the shift at `half_day_at` (default: its middle)."""
    span = Shift.span_minutes(start_time, end_time)
    if not 0 <= break_minutes < span:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("The break must be shorter than the shift."), {"field": "breakMinutes"}
        )
    if half_day_at is not None and not Shift.splits_inside(start_time, end_time, half_day_at):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("A half day must split the shift between %(start)s and %(end)s.")
            % {"start": format(start_time, "%H:%M"), "end": format(end_time, "%H:%M")},
            {"field": "halfDayAt"},
        )
    with transaction.atomic():
        shift, created = Shift.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={
                "start_time": start_time,
                "end_time": end_time,
                "break_minutes": break_minutes,
                "late_grace_minutes": late_grace_minutes,
                "early_grace_minutes": early_grace_minutes,
                "required_minutes": required_minutes or span - break_minutes,
                "half_day_at": half_day_at,
            },
        )
        if created:
            audit_record(
                action="attendance.shift.create", actor=actor, organization=organization, target=shift
            )
    return shift


def policy_update(
    *,
    organization: Organization,
    default_shift: Shift | None = None,
    default_weekdays: int | None = None,
    geofence: str | None = None,
    clear_default_shift: bool = False,
    actor: Membership | None = None,
) -> AttendancePolicy:
    """Change the given parts of the organization's policy; `clear_default_shift` leaves members without an
    assignment with no shift at all (every day a rest day)."""
    if clear_default_shift and default_shift is not None:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("Set a default shift or clear it, not both."), {"field": "defaultShift"}
        )
    if default_shift is not None and default_shift.organization_id != organization.pk:
        raise ValidationFailed("VALIDATION_ERROR", _("The default shift belongs to another organization."))
    if geofence is not None and geofence not in AttendancePolicy.Geofence.values:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("geofence must be off, flag or strict."), {"field": "geofence"}
        )
    if default_weekdays is not None and not 0 <= default_weekdays <= ALL_WEEKDAYS:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("default weekdays is a mask 0..127."), {"field": "defaultWeekdays"}
        )
    with transaction.atomic():
        policy, _created = AttendancePolicy.objects.select_for_update().get_or_create(
            organization=organization
        )
        if default_shift is not None or clear_default_shift:
            policy.default_shift = default_shift
        if default_weekdays is not None:
            policy.default_weekdays = default_weekdays
        if geofence is not None:
            policy.geofence = geofence
        policy.save()
        audit_record(
            action="attendance.policy.update",
            actor=actor,
            organization=organization,
            target=policy,
            details={
                "defaultShift": policy.default_shift_id,
                "weekdays": policy.default_weekdays,
                "geofence": policy.geofence,
            },
        )
    return policy


def shift_assignment_create(
    *,
    member: Membership,
    shift: Shift,
    weekdays: int = MONDAY_TO_FRIDAY,
    start_date: date | None = None,
    end_date: date | None = None,
    priority: int = 0,
    actor: Membership | None = None,
) -> ShiftAssignment:
    if shift.organization_id != member.organization_id:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("The shift belongs to another organization."), {"field": "shift"}
        )
    if not 0 < weekdays <= ALL_WEEKDAYS:
        raise ValidationFailed("VALIDATION_ERROR", _("weekdays is a mask 1..127."), {"field": "weekdays"})
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(
            "INVALID_DATE_RANGE", _("The end date is before the start date."), {"field": "endDate"}
        )
    values = {
        "shift": shift,
        "weekdays": weekdays,
        "start_date": start_date,
        "end_date": end_date,
        "priority": priority,
    }
    with transaction.atomic():
        # The member's row serialises their assignments: an identical one (a retried or doubled
        # submission) is returned, not added again.
        Membership.objects.select_for_update().filter(pk=member.pk).first()
        same = ShiftAssignment.objects.filter(member=member, **values).order_by("pk").first()
        if same is not None:
            return same
        assignment = ShiftAssignment.objects.create(organization=member.organization, member=member, **values)
        audit_record(
            action="attendance.shift_assignment.create",
            actor=actor,
            organization=member.organization,
            target=assignment,
            details={"member": member.pk, "shift": shift.name, "weekdays": weekdays},
        )
    return assignment


def holiday_set(
    *,
    organization: Organization,
    day: date,
    name: str,
    name_zh: str = "",
    kind: str = Holiday.Kind.HOLIDAY,
    actor: Membership | None = None,
) -> Holiday:
    """Make `day` a holiday or a makeup workday (replacing what the calendar said for it)."""
    if kind not in Holiday.Kind.values:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("kind must be holiday or makeup_workday."), {"field": "kind"}
        )
    with transaction.atomic():
        holiday, _created = Holiday.objects.update_or_create(
            organization=organization, date=day, defaults={"name": name, "name_zh": name_zh, "kind": kind}
        )
        audit_record(
            action="attendance.holiday.set",
            actor=actor,
            organization=organization,
            target=holiday,
            details={"date": day, "kind": kind},
        )
    return holiday


def site_create(
    *,
    organization: Organization,
    name: str,
    latitude: float,
    longitude: float,
    radius_m: int,
    actor: Membership | None = None,
) -> Site:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or not 10 <= radius_m <= 100_000:
        raise ValidationFailed("VALIDATION_ERROR", _("The site's position or radius is out of range."))
    with transaction.atomic():
        site = Site.objects.create(
            organization=organization, name=name, latitude=latitude, longitude=longitude, radius_m=radius_m
        )
        audit_record(action="attendance.site.create", actor=actor, organization=organization, target=site)
    return site
