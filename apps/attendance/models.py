"""Attendance: shifts and calendars, punches, daily records, adjustment requests and leave.

Every table carries `organization` and is read through `OrgScopedQuerySet.for_org`. Writes go through
`apps.attendance.services`; no model method here changes data. The rules that turn punches into a daily
record are in `apps.attendance.computation` and written down in docs/attendance.md.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.access.models import Membership, Organization, OrgScopedQuerySet

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
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "date"]
        constraints = [models.UniqueConstraint(fields=["organization", "date"], name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.kind})"


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


class Punch(models.Model):
    """One clock-in or clock-out. The time is the server's (or an import's / an approver's), never the
    client's. `work_date` is the organization-local date the punch counts for (a night shift's early
    morning punch counts for the evening before)."""

    class Kind(models.TextChoices):
        IN = "in", "In"
        OUT = "out", "Out"

    class Source(models.TextChoices):
        WEB = "web", "Web page"
        API = "api", "API"
        IMPORT = "import", "Import"
        ADJUSTMENT = "adjustment", "Approved adjustment"
        ADMIN = "admin", "Administrator"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="punches")
    occurred_at = models.DateTimeField()
    work_date = models.DateField()
    kind = models.CharField(max_length=3, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device_id = models.CharField(max_length=128, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outside_geofence = models.BooleanField(default=False)
    adjustment = models.ForeignKey(
        "AdjustmentRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="punches"
    )
    # A retried API call with the same key returns this punch instead of creating another.
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["member_id", "occurred_at", "id"]
        verbose_name_plural = "punches"
        indexes = [
            models.Index(fields=["member", "work_date"], name="punch_member_workdate"),
            models.Index(fields=["organization", "occurred_at"], name="punch_org_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="punch_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class DailyRecord(models.Model):
    """One member's day. Computed from punches, shift, calendar, leave and adjustments by
    `records_recompute`, or written by an import (see docs/attendance.md for the status rules).

    The imports app writes this table with set-based SQL: the columns are a contract, and every writer
    adds 1 to `version` on every change so that a rollback can see a later change.
    """

    class Status(models.TextChoices):
        NORMAL = "normal", "Normal"
        LATE = "late", "Late"
        EARLY_LEAVE = "early_leave", "Early leave"
        LATE_EARLY = "late_early", "Late and early leave"
        PARTIAL = "partial", "Missing punch"
        ABSENT = "absent", "Absent"
        OFF = "off", "Rest day"
        HOLIDAY = "holiday", "Holiday"
        LEAVE = "leave", "On leave"
        ADJUSTED = "adjusted", "Adjusted"

    class Source(models.TextChoices):
        COMPUTED = "computed", "Computed"
        IMPORT = "import", "Import"
        ADJUSTMENT = "adjustment", "Adjustment"
        ADMIN = "admin", "Administrator"

    # No single-column FK constraints or indexes: the unique (member, work_date) and the
    # (organization, work_date) index cover lookups. On PostgreSQL the rule `daily_record_member_org`
    # (triggers of migration 0005) checks (member_id, organization_id) against the member's own
    # organization once per statement, and keeps memberships with records from being deleted or moved.
    # Django's collector still cascades deletes.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    member = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="daily_records",
        db_index=False,
        db_constraint=False,
    )
    work_date = models.DateField()
    first_in_at = models.DateTimeField(null=True, blank=True)
    last_out_at = models.DateTimeField(null=True, blank=True)
    worked_minutes = models.PositiveIntegerField(default=0)
    late_minutes = models.PositiveIntegerField(default=0)
    early_leave_minutes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices)
    # Where the current values came from: computed | import | adjustment | admin.
    source = models.CharField(max_length=20, default="computed")
    # The import batch that last wrote the row (no FK: imports is a higher layer).
    source_batch_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    # +1 on every change by any writer; an import rollback uses it to detect later changes.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        db_table = "attendance_dailyrecord"
        ordering = ["work_date", "member_id"]
        indexes = [models.Index(fields=["organization", "work_date"], name="dailyrecord_org_date")]
        constraints = [
            models.UniqueConstraint(fields=["member", "work_date"], name="daily_record_unique_member_date"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.work_date} {self.status}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class AdjustmentRequest(models.Model):
    """A member asks to fix a day: a missed check-in, a missed check-out, or a wrong time."""

    class Kind(models.TextChoices):
        MISSED_CHECK_IN = "missed_check_in", "Missed check-in"
        MISSED_CHECK_OUT = "missed_check_out", "Missed check-out"
        TIME_CORRECTION = "time_correction", "Time correction"

    Status = RequestStatus

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="adjustment_requests")
    work_date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    requested_in_at = models.DateTimeField(null=True, blank=True)
    requested_out_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=500, blank=True, default="")
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="adjreq_org_status"),
            models.Index(fields=["member", "work_date"], name="adjreq_member_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="adjreq_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.work_date} ({self.status})"


class LeaveType(models.Model):
    """A kind of leave. Its balance is counted in days (unit day or half day) or in hours (unit hour)."""

    class Unit(models.TextChoices):
        DAY = "day", "Day"
        HALF_DAY = "half_day", "Half day"
        HOUR = "hour", "Hour"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    is_paid = models.BooleanField(default=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.DAY)
    yearly_allowance = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    allow_negative = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="leavetype_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def balance_unit(self) -> str:
        return "hour" if self.unit == self.Unit.HOUR else "day"


class LeaveRequest(models.Model):
    """Leave over working days `start_date`..`end_date` (a half day or some hours on one date for those
    units). `amount` is what it costs in the type's balance unit, fixed when the request is made."""

    class Half(models.TextChoices):
        NONE = "", "Whole day"
        AM = "am", "Morning"
        PM = "pm", "Afternoon"

    Status = RequestStatus

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="leave_requests")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    half = models.CharField(max_length=2, choices=Half.choices, blank=True, default="")
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=7, decimal_places=2)
    working_days = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=500, blank=True, default="")
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="leavereq_org_status"),
            models.Index(fields=["member", "start_date"], name="leavereq_member_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="leavereq_dates_ordered"
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="leavereq_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leave_type_id} {self.start_date}..{self.end_date} ({self.status})"


class LeaveLedgerEntry(models.Model):
    """One movement of a member's balance of one leave type. The balance is the sum of `amount`."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", "Accrual"
        USAGE = "usage", "Usage"
        REVERSAL = "reversal", "Usage reversed (approved leave cancelled)"
        ADJUSTMENT = "adjustment", "Manual adjustment"
        # Retention deletes old entries; their sum is carried into one entry so no balance ever moves.
        CARRY_FORWARD = "carry_forward", "Carried forward (older entries removed by retention)"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="leave_ledger")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=7, decimal_places=2)
    effective_date = models.DateField()
    # The year a yearly accrual is for; at most one accrual per member, type and year.
    accrual_year = models.PositiveSmallIntegerField(null=True, blank=True)
    leave_request = models.ForeignKey(
        LeaveRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Manual adjustments through the API are idempotent per member like the other writes.
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["member_id", "leave_type_id", "effective_date", "id"]
        verbose_name_plural = "leave ledger entries"
        indexes = [models.Index(fields=["member", "leave_type"], name="leaveledger_member_type")]
        constraints = [
            # A request is charged once and refunded once, however often approval or cancel is retried.
            models.UniqueConstraint(
                fields=["leave_request", "kind"],
                condition=Q(leave_request__isnull=False),
                name="leaveledger_once_per_request_kind",
            ),
            models.UniqueConstraint(
                fields=["member", "leave_type", "accrual_year"],
                condition=Q(kind="accrual"),
                name="leaveledger_one_accrual_per_year",
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="leaveledger_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.effective_date})"
