"""Requests a member makes and an approver decides: the shared base, adjustment and overtime requests."""

from django.db import models
from django.db.models import Q

from apps.access.models import Membership, Organization, OrgScopedQuerySet


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class DecidableRequest(models.Model):
    """What every request a member makes and an approver decides has: its organization, where it stands
    (pending -> approved | rejected | cancelled), who decided when and why, and the idempotency key of the
    call that made it. The member is declared by each kind (for its own reverse name). One service path
    decides them all (`apps.attendance.services.decisions`)."""

    Status = RequestStatus

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
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
        abstract = True
        ordering = ["-created_at", "-id"]


class AdjustmentRequest(DecidableRequest):
    """A member asks to fix a day: a missed check-in, a missed check-out, or a wrong time."""

    class Kind(models.TextChoices):
        MISSED_CHECK_IN = "missed_check_in", "Missed check-in"
        MISSED_CHECK_OUT = "missed_check_out", "Missed check-out"
        TIME_CORRECTION = "time_correction", "Time correction"

    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="adjustment_requests")
    work_date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    requested_in_at = models.DateTimeField(null=True, blank=True)
    requested_out_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500)

    class Meta(DecidableRequest.Meta):
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


class OvertimeRequest(DecidableRequest):
    """A member asks for overtime on one work date: how many minutes, and why. Where the organization's
    overtime rule requires approval, the approved requests are the overtime a payroll summary counts; they
    are rows of their own, so a recompute of the day's record leaves them alone."""

    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="overtime_requests")
    work_date = models.DateField()
    minutes = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)

    class Meta(DecidableRequest.Meta):
        indexes = [
            models.Index(fields=["organization", "status"], name="otreq_org_status"),
            models.Index(fields=["member", "work_date"], name="otreq_member_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="otreq_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"overtime {self.work_date} {self.minutes} min ({self.status})"
