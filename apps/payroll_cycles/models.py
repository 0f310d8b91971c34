"""Payroll cycles: period templates, cycles and their states, overtime rules, settlement snapshots.

Every table carries `organization` and is read through `OrgScopedQuerySet.for_org`. Writes go through
`apps.payroll_cycles.services`. A cycle that is locked, closed or archived freezes its dates: attendance asks
through its lock hook (filled in apps.py) and, on PostgreSQL, triggers refuse any write to a daily record or
punch inside it (migration 0002).
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format

from apps.access.models import Membership, Organization, OrgScopedQuerySet, validate_timezone
from apps.attendance.models import Shift


class PayrollTemplate(models.Model):
    """How an organization's pay periods are cut: monthly (start day .. end day, the end possibly in the next
    month), semi-monthly (1-15 and 16-end), weekly or bi-weekly (from an anchor date)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        SEMI_MONTHLY = "semi_monthly", "Semi-monthly"
        WEEKLY = "weekly", "Weekly"
        BIWEEKLY = "biweekly", "Bi-weekly"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MONTHLY)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    start_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    end_day = models.PositiveSmallIntegerField(
        default=31, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    end_month_offset = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1)])
    # Weekly and bi-weekly periods start on this date and every 7 / 14 days before and after it.
    anchor_date = models.DateField(null=True, blank=True)
    auto_generate = models.BooleanField(default=False)
    config = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="payroll_template_unique_name"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="payroll_template_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PayrollCycle(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        LOCKED = "locked", "Locked"
        CLOSED = "closed", "Closed"
        ARCHIVED = "archived", "Archived"

    # Statuses whose dates no attendance write may touch (the lock hook and the database triggers).
    FROZEN = (Status.LOCKED, Status.CLOSED, Status.ARCHIVED)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(
        PayrollTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="cycles"
    )
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The settlement snapshot version of the latest close (0: never closed).
    snapshot_version = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "-start_date"]
        indexes = [models.Index(fields=["organization", "status", "start_date"], name="cycle_org_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "start_date", "end_date"], name="payroll_cycle_unique_range"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="payroll_cycle_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN

    @property
    def display_name(self) -> str:
        """The name as a page shows it: a generated name's "2026-12-01~2026-12-31" (services.cycles.cycle_name)
        in the reader's date format, "1 Dec 2026 - 31 Dec 2026" (an en dash); a name an admin typed stays as it is."""
        period = f"{self.start_date.isoformat()}~{self.end_date.isoformat()}"
        if not self.name.endswith(period):
            return self.name
        days = f"{date_format(self.start_date, 'DATE_FORMAT')} \u2013 {date_format(self.end_date, 'DATE_FORMAT')}"
        return f"{self.name[: -len(period)]}{days}"


class CycleTransition(models.Model):
    """One move of a cycle's status, with who made it and why (unlock and reopen require a reason)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(PayrollCycle, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    reason = models.CharField(max_length=500, blank=True, default="")
    actor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cycle_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.action}"


class SettlementSnapshot(models.Model):
    """One member's summary as of one close of a cycle (version 1, 2, ... after each reopen). Never updated:
    on PostgreSQL a trigger refuses an UPDATE (migration 0002)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(PayrollCycle, on_delete=models.CASCADE, related_name="snapshots")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    data = models.JSONField(encoder=DjangoJSONEncoder)
    # SHA-256 of the canonical JSON of `data`; the close's audit entry holds the hash of all of them.
    data_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cycle_id", "version", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "version", "member"], name="settlement_snapshot_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} v{self.version} {self.member_id}"


class OvertimeRule(models.Model):
    """How overtime is counted: for the organization (no shift) or for one shift (which then wins)."""

    class Rounding(models.TextChoices):
        DOWN = "down", "Down"
        UP = "up", "Up"
        NEAREST = "nearest", "Nearest"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    shift = models.ForeignKey(Shift, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    # Overtime shorter than this counts as none.
    min_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(1440)])
    rounding_minutes = models.PositiveIntegerField(default=15, validators=[MaxValueValidator(240)])
    rounding_mode = models.CharField(max_length=10, choices=Rounding.choices, default=Rounding.DOWN)
    max_minutes_per_day = models.PositiveIntegerField(default=600, validators=[MaxValueValidator(1440)])
    # Work beyond the shift's required minutes plus this is overtime on a workday.
    daily_threshold_minutes = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(1440)])
    # Regular minutes of one calendar week (Monday-Sunday) beyond this are overtime too; empty: no weekly rule.
    weekly_threshold_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10080)]
    )
    count_before_shift = models.BooleanField(default=False)
    workday_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=1.5)
    restday_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=2)
    holiday_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=3)
    # When set, only approved overtime requests count (their minutes, rounded and capped like the above).
    requires_approval = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "shift_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(shift__isnull=True), name="overtime_rule_one_org_rule"
            ),
            models.UniqueConstraint(fields=["organization", "shift"], name="overtime_rule_one_per_shift"),
        ]

    def __str__(self) -> str:
        return self.name


class PayrollWrite(models.Model):
    """An idempotent payroll write: the key a client sent, what it asked, and the answer it got."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    operation = models.CharField(max_length=40)
    request_fingerprint = models.CharField(max_length=64)
    response = models.JSONField(encoder=DjangoJSONEncoder)
    status_code = models.PositiveSmallIntegerField(default=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="payroll_write_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class SummaryJob(models.Model):
    """A summary of a large cycle computed by a Celery task; progress and the result live here."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(PayrollCycle, on_delete=models.CASCADE, related_name="summary_jobs")
    requested_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"summary of {self.cycle_id} ({self.status})"
