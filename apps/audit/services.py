"""The one way to write the operation log. Every write service calls audit_record."""

import ipaddress
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.audit.chain import chain_append, entry_prepare
from apps.audit.models import OperationLog, chain_key
from apps.core import request_context

# Keys whose values never enter the log, wherever they appear in `details`.
SECRET_KEYS = {"password", "password1", "password2", "token", "raw", "secret", "key", "authorization", "csrf"}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[redacted]" if str(k).lower() in SECRET_KEYS else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _normalized_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


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
    """Record one operation. Address, user agent and request id come from the current request, if any.

    The entry is stored in the caller's transaction (or a new one), so it commits or rolls back with the
    change it describes; the sealer gives it its place in the organization's hash chain (apps/audit/chain.py).
    Record denied and failed attempts outside the transaction that is being rolled back.
    """
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
    entry = OperationLog(
        organization=organization,
        chain=chain_key(organization.pk if organization is not None else None),
        actor=actor,
        actor_ref=actor.pk if actor is not None else None,
        actor_label=(actor.get_username() if actor is not None else actor_label or context.username)[:150],
        action=action,
        target_type=target_type[:100],
        target_id=str(target_id or "")[:64],
        ip=_normalized_ip(context.ip),
        user_agent=context.user_agent[:300],
        request_id=context.request_id,
        result=result,
        details=_scrub(details or {}),
        created_at=timezone.now(),
    )
    # No savepoint of its own: inside a service's transaction a failed append fails that transaction anyway.
    with transaction.atomic(savepoint=False):
        return chain_append(entry_prepare(entry))
