from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.access.models import Organization, OrgScopedQuerySet


class OperationLog(models.Model):
    """Who did what, to what, from where, with what result. Written only by services.audit_record."""

    class Result(models.TextChoices):
        OK = "ok"
        DENIED = "denied"
        FAILED = "failed"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="operation_logs"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.OK)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(db_index=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="oplog_org_time"),
            models.Index(fields=["organization", "action"], name="oplog_org_action"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action} {self.result}"
