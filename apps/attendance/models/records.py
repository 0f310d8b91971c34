"""Raw punches and the daily record computed from them."""

from django.db import models
from django.db.models import Q

from apps.access.models import Membership, Organization, OrgScopedQuerySet
from apps.attendance.models.schedule import Site


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
    # What a DingTalk export says of the day besides the punches (written by imports, kept by recompute):
    # the text of its approvals (关联的审批单) and the leave and overtime it counted. None: not given.
    approval_text = models.CharField(max_length=500, blank=True, default="", db_default="")  # raw INSERTs too
    leave_minutes = models.PositiveIntegerField(null=True, blank=True)
    overtime_minutes = models.PositiveIntegerField(null=True, blank=True)
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
