"""The audit app's part of a member's personal data (see apps/access/personal_data.py).

The operation log is a hash chain: rewriting an entry would break `audit_verify`, and the log is kept
under a legal obligation and the employer's legitimate interest (docs/privacy.md), so its entries are
exported but never changed; they leave with audit retention. The field-level diffs of django-auditlog are
not chained: erasing blanks the diffs of the member's membership and the address recorded with the
member's own changes.
"""

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from apps.access.models import ApiToken, Membership
from apps.access.personal_data import ERASED_TEXT, register_personal_data
from apps.audit.models import OperationLog


def _operations(member: Membership):
    return OperationLog.objects.filter(organization=member.organization).filter(
        Q(actor_id=member.user_id) | Q(target_type="access.membership", target_id=str(member.pk))
    )


def _diffs(member: Membership):
    """The diffs of the member's membership and of the member's API tokens (a token's name is its user's)."""
    token_ids = [
        str(pk) for pk in ApiToken.objects.filter(user_id=member.user_id).values_list("pk", flat=True)
    ]
    return LogEntry.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Membership), object_pk=str(member.pk))
        | Q(content_type=ContentType.objects.get_for_model(ApiToken), object_pk__in=token_ids)
    )


def export_audit(member: Membership) -> dict[str, list[dict[str, Any]]]:
    operations = (
        _operations(member)
        .order_by("created_at", "id")
        .values(
            "created_at",
            "action",
            "actor_label",
            "target_type",
            "target_id",
            "result",
            "ip",
            "user_agent",
            "details",
        )
    )
    diffs = _diffs(member).order_by("timestamp", "id").values("timestamp", "action", "changes", "remote_addr")
    return {
        "operation_log": [{**row, "created_at": row["created_at"].isoformat()} for row in operations],
        "change_history": [{**row, "timestamp": row["timestamp"].isoformat()} for row in diffs],
    }


def erase_audit(member: Membership, *, actor) -> dict[str, int]:
    about_member = _diffs(member).exclude(object_repr=ERASED_TEXT, changes__isnull=True, changes_text="")
    by_member = LogEntry.objects.filter(actor_id=member.user_id).filter(
        Q(remote_addr__isnull=False) | Q(actor_email__isnull=False)
    )
    return {
        "change_history": about_member.update(
            object_repr=ERASED_TEXT, changes=None, changes_text="", serialized_data=None
        ),
        "change_history_addresses": by_member.update(remote_addr=None, actor_email=None),
    }


# Imported once from AppConfig.ready().
register_personal_data("audit", export=export_audit, erase=erase_audit)
