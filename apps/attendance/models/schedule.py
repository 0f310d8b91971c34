"""Shifts, the organization's attendance policy, shift assignments, holidays and punch sites."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.access.models import Membership, Organization, OrgScopedQuerySet
from apps.attendance.models.localized import in_viewers_language

ALL_WEEKDAYS = 0b1111111
MONDAY_TO_FRIDAY = 0b0011111


def weekday_bit(day: date) -> int:
    """Bit of `day` in a weekday mask: Monday is bit 0, Sunday bit 6."""
    return 1 << day.weekday()


class Shift(models.Model):
    """A working pattern: when the day starts and ends, the break, and how much lateness is forgiven.

    A shift whose end is not after its start crosses midnight (22:00-06:00): its end is on the next
    calendar day, and punches up to `OVERNIGHT_WINDOW` after that end still belong to the start's date.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(max_length=100)
    start_time = models.TimeField()
    end_time = models.TimeField()
    late_grace_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(240)])
    early_grace_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(240)])
    break_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(720)])
    # Where a half day off splits the day (morning leave starts the day here, afternoon leave ends it);
    # empty: the middle of the shift.
    half_day_at = models.TimeField(null=True, blank=True)
    # The minutes a full day on this shift is worth (leave in hours, payroll summaries).
    required_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(1440)])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "start_time", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="shift_unique_name_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_time:%H:%M}-{self.end_time:%H:%M})"

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time <= self.start_time

    def bounds(self, work_date: date, tzinfo) -> tuple[datetime, datetime]:
        """The aware start and end of this shift on `work_date`, in real (UTC-comparable) time."""
        start = datetime.combine(work_date, self.start_time, tzinfo=tzinfo)
        end_day = work_date + timedelta(days=1) if self.crosses_midnight else work_date
        end = datetime.combine(end_day, self.end_time, tzinfo=tzinfo)
        return start, end

    @property
    def half_day_split(self) -> time:
        """The time of day a half day off splits this shift: `half_day_at`, or the middle of the shift."""
        if self.half_day_at is not None:
            return self.half_day_at
        start, end = self.bounds(date.min, None)  # wall-clock times: any date will do
        return (start + (end - start) / 2).time()

    def half_day_bound(self, work_date: date, tzinfo) -> datetime:
        """Where a half day off splits this shift on `work_date` (the next day's date for a split after
        midnight)."""
        split = self.half_day_split
        day = work_date + timedelta(days=1) if split < self.start_time else work_date
        return datetime.combine(day, split, tzinfo=tzinfo)

    @staticmethod
    def splits_inside(start_time: time, end_time: time, half_day_at: time) -> bool:
        """Whether `half_day_at` lies strictly inside the shift start_time-end_time (which may cross
        midnight)."""
        offset = Shift.span_minutes(start_time, half_day_at) if half_day_at != start_time else 0
        return 0 < offset < Shift.span_minutes(start_time, end_time)

    def clean(self) -> None:
        if (
            self.half_day_at is not None
            and self.start_time
            and self.end_time
            and not self.splits_inside(self.start_time, self.end_time, self.half_day_at)
        ):
            raise ValidationError({"half_day_at": "The half-day split must fall inside the shift."})

    @staticmethod
    def span_minutes(start_time: time, end_time: time) -> int:
        minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
        return minutes if minutes > 0 else minutes + 24 * 60


class AttendancePolicy(models.Model):
    """Organization-wide attendance settings: the default shift and the geofence rule."""

    class Geofence(models.TextChoices):
        OFF = "off", "Off"
        FLAG = "flag", "Accept and flag punches outside every site"
        STRICT = "strict", "Refuse punches outside every site"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="attendance_policy"
    )
    # Members with no shift assignment covering a date work this shift on `default_weekdays`.
    default_shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_weekdays = models.PositiveSmallIntegerField(
        default=MONDAY_TO_FRIDAY,
        validators=[MaxValueValidator(ALL_WEEKDAYS)],
        help_text="Bit mask, Monday = 1, Tuesday = 2, ..., Sunday = 64 (Monday-Friday = 31).",
    )
    geofence = models.CharField(max_length=10, choices=Geofence.choices, default=Geofence.OFF)
    # Missed-punch reminders: this many minutes after a shift's start with no check-in, or after its end
    # with no check-out, the member is reminded (0: no reminders).
    reminder_minutes = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(720)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "attendance policies"

    def __str__(self) -> str:
        return f"Attendance policy of {self.organization}"


class ShiftAssignment(models.Model):
    """`member` works `shift` on the weekdays in `weekdays`, between the optional dates.

    When several assignments cover a date, the highest `priority` wins, then the latest start. A member
    with any assignment covering a date takes their schedule from assignments only (a weekday outside the
    winning mask is a rest day); the organization default applies to members with none.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="shift_assignments")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="assignments")
    weekdays = models.PositiveSmallIntegerField(
        default=MONDAY_TO_FRIDAY,
        validators=[MinValueValidator(0), MaxValueValidator(ALL_WEEKDAYS)],
        help_text="Bit mask, Monday = 1, Tuesday = 2, ..., Sunday = 64.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    priority = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["member_id", "-priority", "-start_date", "-id"]
        indexes = [models.Index(fields=["member", "start_date"], name="shiftassign_member_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="shiftassign_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} -> {self.shift_id} ({self.start_date or '...'} - {self.end_date or '...'})"

    def covers(self, day: date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (
            self.end_date is None or day <= self.end_date
        )


class Holiday(models.Model):
    """One date of the organization's calendar: a holiday, or a makeup workday (a weekend day worked)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "Holiday"
        MAKEUP_WORKDAY = "makeup_workday", "Makeup workday"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    name = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=100, blank=True, default="")  # as LeaveType.name_zh
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "date"]
        constraints = [models.UniqueConstraint(fields=["organization", "date"], name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.kind})"

    @property
    def display_name(self) -> str:
        return in_viewers_language(self.name, self.name_zh)


class Site(models.Model):
    """A geofence: punches within `radius_m` metres of the point are on site."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    radius_m = models.PositiveIntegerField(validators=[MinValueValidator(10), MaxValueValidator(100_000)])
    is_active = models.BooleanField(default=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="site_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.radius_m} m)"
