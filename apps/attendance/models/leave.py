"""Leave types, leave requests and the leave ledger (balances are sums of its entries)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.access.models import Membership, Organization, OrgScopedQuerySet
from apps.attendance.models.localized import in_viewers_language
from apps.attendance.models.requests import DecidableRequest


class LeaveType(models.Model):
    """A kind of leave. Its balance is counted in days (unit day or half day) or in hours (unit hour)."""

    class Unit(models.TextChoices):
        # "leave unit": "Day" alone is also a column header (a date) with a translation of its own.
        DAY = "day", pgettext_lazy("leave unit", "Day")
        HALF_DAY = "half_day", pgettext_lazy("leave unit", "Half day")
        HOUR = "hour", pgettext_lazy("leave unit", "Hour")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    # The Chinese name (empty: the pages show `name` in Chinese too); `display_name` picks by language.
    name_zh = models.CharField(max_length=100, blank=True, default="")
    is_paid = models.BooleanField(default=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.DAY)
    yearly_allowance = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    allow_negative = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Joiners get the allowance for the months left in the year they joined (January counts whole).
    accrual_pro_rata = models.BooleanField(default=False)
    # At most this much of last year's balance is kept when the new year's allowance is credited (the rest
    # expires, one ledger entry each); None carries everything forward.
    carry_forward_cap = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="leavetype_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return in_viewers_language(self.name, self.name_zh)

    @property
    def balance_unit(self) -> str:
        return "hour" if self.unit == self.Unit.HOUR else "day"

    @property
    def is_unlimited(self) -> bool:
        """No allowance and no floor: nothing to count down (unpaid leave, usually)."""
        return self.allow_negative and not self.yearly_allowance


class LeaveRequest(DecidableRequest):
    """Leave over working days `start_date`..`end_date` (a half day or some hours on one date for those
    units). `amount` is what it costs in the type's balance unit, fixed when the request is made."""

    class Half(models.TextChoices):
        NONE = "", gettext_lazy("Whole day")
        AM = "am", gettext_lazy("Morning")
        PM = "pm", gettext_lazy("Afternoon")

    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="leave_requests")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    half = models.CharField(max_length=2, choices=Half.choices, blank=True, default="")
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=7, decimal_places=2)
    working_days = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=500, blank=True, default="")

    class Meta(DecidableRequest.Meta):
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
        # The allowance of the current year changed after it was credited: the difference.
        ALLOWANCE_CHANGE = "allowance_change", "Allowance changed"
        # Last year's balance above the type's carry-forward cap, taken away when the new year starts.
        EXPIRY = "expiry", "Not carried forward (above the cap)"
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
                fields=["member", "leave_type", "accrual_year"],
                condition=Q(kind="expiry"),
                name="leaveledger_one_expiry_per_year",
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="leaveledger_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.effective_date})"
