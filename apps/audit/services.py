"""The one way to write the operation log. Every write service calls audit_record."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone

from apps.access import request_context
from apps.access.models import Membership, Organization
from apps.audit.models import OperationLog

# Keys whose values never enter the log, wherever they appear in `details`.
SECRET_KEYS = {"password", "password1", "password2", "token", "raw", "secret", "key", "authorization", "csrf"}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[redacted]" if str(k).lower() in SECRET_KEYS else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | Membership | None = None,
    organization: Organization | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    result: str = OperationLog.Result.OK,
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> OperationLog:
    """Record one operation. Address, user agent and request id come from the current request, if any."""
    if isinstance(actor, Membership):
        organization = organization or actor.organization
        actor = actor.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        organization = organization or getattr(target, "organization", None)
    context = request_context.current()
    return OperationLog.objects.create(
        organization=organization,
        actor=actor,
        actor_label=(actor.get_username() if actor is not None else actor_label or context.username)[:150],
        action=action,
        target_type=target_type,
        target_id=str(target_id or ""),
        ip=context.ip or None,
        user_agent=context.user_agent,
        request_id=context.request_id,
        result=result,
        details=_scrub(details or {}),
        created_at=timezone.now(),
    )
