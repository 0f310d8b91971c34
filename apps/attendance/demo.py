"""Demo data for `manage.py demo_seed`: shifts, a 2026 calendar and leave for the demo organization.

Registered as a demo seeder in AttendanceConfig.ready(); idempotent (every step finds what it made before).
"""

from datetime import date, time

from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.attendance import services
from apps.attendance.models import MONDAY_TO_FRIDAY, Holiday, ShiftAssignment

# Each date with its English and Chinese name.
HOLIDAYS_2026 = [
    (date(2026, 1, 1), "New Year's Day", "元旦", Holiday.Kind.HOLIDAY),
    (date(2026, 2, 16), "Spring Festival", "春节", Holiday.Kind.HOLIDAY),
    (date(2026, 2, 17), "Spring Festival", "春节", Holiday.Kind.HOLIDAY),
    (date(2026, 2, 18), "Spring Festival", "春节", Holiday.Kind.HOLIDAY),
    (date(2026, 2, 28), "Spring Festival makeup workday", "春节调休上班", Holiday.Kind.MAKEUP_WORKDAY),
    (date(2026, 4, 6), "Qingming", "清明节", Holiday.Kind.HOLIDAY),
    (date(2026, 5, 1), "Labour Day", "劳动节", Holiday.Kind.HOLIDAY),
    (date(2026, 10, 1), "National Day", "国庆节", Holiday.Kind.HOLIDAY),
]


def seed_demo_attendance(*, organization: Organization, memberships: dict[str, Membership]) -> None:
    day = services.shift_create(
        organization=organization,
        name="Day",
        start_time=time(9),
        end_time=time(18),
        break_minutes=60,
        late_grace_minutes=10,
        early_grace_minutes=10,
    )
    night = services.shift_create(
        organization=organization,
        name="Night",
        start_time=time(22),
        end_time=time(6),
        break_minutes=30,
        late_grace_minutes=10,
        early_grace_minutes=10,
    )
    services.policy_update(organization=organization, default_shift=day)
    sam = memberships.get("sam.night")
    if sam is not None and not ShiftAssignment.objects.filter(member=sam, shift=night).exists():
        services.shift_assignment_create(member=sam, shift=night, weekdays=MONDAY_TO_FRIDAY)
    for day_, name, name_zh, kind in HOLIDAYS_2026:
        services.holiday_set(organization=organization, day=day_, name=name, name_zh=name_zh, kind=kind)
    services.leave_type_create(
        organization=organization, code="annual", name="Annual leave", name_zh="年假", yearly_allowance=10
    )
    services.leave_type_create(
        organization=organization,
        code="sick",
        name="Sick leave",
        name_zh="病假",
        unit="half_day",
        yearly_allowance=5,
    )
    services.leave_type_create(
        organization=organization,
        code="unpaid",
        name="Unpaid leave",
        name_zh="无薪假",
        is_paid=False,
        allow_negative=True,
    )
    this_year = timezone.localdate(timezone.now(), organization.tzinfo).year
    for year in sorted({2026, this_year}):
        services.leave_accrue_year(organization=organization, year=year)
