"""The imports app's part of a member's personal data (see apps/access/personal_data.py).

Only rejected lines keep the file's cells (`ImportItem.raw`); they may carry the member's name or ids even
when the line never matched the member (a misspelt employee number), so erasing drops the cells of the
member's lines and of any line of the organization whose cells mention one of the member's identifiers.
"""

from typing import Any

from django.db.models import Q

from apps.access.models import Membership
from apps.access.personal_data import register_personal_data
from apps.imports.models import ImportItem

# Shorter identifiers would match unrelated lines (an employee number "7" is in many cells).
MIN_IDENTIFIER_LENGTH = 3


def _items(member: Membership):
    return ImportItem.objects.filter(batch__organization=member.organization)


def _identifiers(member: Membership) -> list[str]:
    user = member.user
    values = {
        member.display_name,
        member.employee_no,
        member.external_id,
        user.email,
        user.get_username(),
        user.get_full_name(),
    }
    return sorted(value for value in values if len(value or "") >= MIN_IDENTIFIER_LENGTH)


def export_imports(member: Membership) -> dict[str, list[dict[str, Any]]]:
    rows = (
        _items(member)
        .filter(member_id=member.pk)
        .order_by("batch_id", "line")
        .values("batch_id", "line", "status", "outcome", "work_date", "error_code", "error_message", "raw")
    )
    return {
        "import_items": [
            {**row, "work_date": row["work_date"].isoformat() if row["work_date"] else None} for row in rows
        ]
    }


def erase_imports(member: Membership, *, actor) -> dict[str, int]:
    mentions = Q(member_id=member.pk)
    for value in _identifiers(member):
        mentions |= Q(raw__icontains=value)
    return {"import_item_rows": _items(member).filter(raw__isnull=False).filter(mentions).update(raw=None)}


# Imported once from AppConfig.ready().
register_personal_data("imports", export=export_imports, erase=erase_imports)
