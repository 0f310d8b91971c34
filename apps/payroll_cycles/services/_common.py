"""What the payroll services share: idempotent writes, the organization row lock, admin checks."""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership, Organization
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.payroll_cycles.models import PayrollWrite

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")


def ensure_admin(actor: Membership) -> None:
    if not actor.can(roles.ADMINISTER):
        raise Forbidden("FORBIDDEN", _("Only an administrator may change payroll cycles."))


def lock_organization(organization: Organization) -> Organization:
    """Cycle writes of one organization run one after the other (the overlap check needs it)."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def clean_key(key: str) -> str:
    key = (key or "").strip()
    if key and not KEY_PATTERN.match(key):
        raise ValidationFailed(
            "IDEMPOTENCY_KEY_INVALID",
            _("The Idempotency-Key must be 1 to 128 printable ASCII characters."),
            {"field": "Idempotency-Key"},
        )
    return key


def idempotent(
    *,
    organization: Organization,
    key: str,
    operation: str,
    payload: dict[str, Any],
    run: Callable[[], dict],
) -> tuple[dict, bool]:
    """Run `run` once per key: a retry with the same key and payload gets the first answer (and True); the
    same key with another payload is 409 IDEMPOTENCY_KEY_REUSED. Without a key, `run` just runs.

    The key's row is written before the work, in the same transaction, so a concurrent duplicate waits on the
    unique index and then reads the answer instead of doing the work twice. A refused write stores nothing.
    """
    key = clean_key(key)
    if not key:
        with transaction.atomic():
            return run(), False
    print_ = fingerprint({"operation": operation, **payload})
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = PayrollWrite.objects.create(
                    organization=organization,
                    key=key,
                    operation=operation,
                    request_fingerprint=print_,
                    response={},
                )
        except IntegrityError:
            row = PayrollWrite.objects.get(organization=organization, key=key)
            if row.request_fingerprint != print_:
                raise Conflict(
                    "IDEMPOTENCY_KEY_REUSED",
                    _("This Idempotency-Key was already used for a different request."),
                ) from None
            return row.response, True
        response = run()
        PayrollWrite.objects.filter(pk=row.pk).update(response=response)
        return response, False
