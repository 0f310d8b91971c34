"""The attendance app's part of a member's personal data (see apps/access/personal_data.py).

Erasing keeps what payroll needs (punch times and kinds, daily figures, leave amounts) and drops what
identifies or locates the person: punch address, device id and position, and the free text of requests
and notes.
"""

from typing import Any

from django.db.models import Q

from apps.access.models import Membership
from apps.access.personal_data import ERASED_TEXT, register_personal_data
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    OvertimeRequest,
    Punch,
)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(queryset, fields: list[str]) -> list[dict[str, Any]]:
    return [
        {name: _iso(value) if hasattr(value, "isoformat") else value for name, value in row.items()}
        for row in queryset.values(*fields).iterator(chunk_size=2000)
    ]


def export_attendance(member: Membership) -> dict[str, list[dict[str, Any]]]:
    mine = {"organization": member.organization, "member": member}
    return {
        "punches": _rows(
            Punch.objects.filter(**mine).order_by("occurred_at", "id"),
            [
                "occurred_at",
                "work_date",
                "kind",
                "source",
                "ip",
                "device_id",
                "latitude",
                "longitude",
                "accuracy_m",
                "outside_geofence",
            ],
        ),
        "daily_records": _rows(
            DailyRecord.objects.filter(**mine).order_by("work_date"),
            [
                "work_date",
                "first_in_at",
                "last_out_at",
                "worked_minutes",
                "late_minutes",
                "early_leave_minutes",
                "status",
                "source",
                "note",
                "approval_text",
                "leave_minutes",
                "overtime_minutes",
            ],
        ),
        "adjustment_requests": _rows(
            AdjustmentRequest.objects.filter(**mine).order_by("created_at", "id"),
            [
                "work_date",
                "kind",
                "requested_in_at",
                "requested_out_at",
                "reason",
                "status",
                "decided_at",
                "decision_comment",
                "created_at",
            ],
        ),
        "leave_requests": _rows(
            LeaveRequest.objects.filter(**mine).order_by("created_at", "id"),
            [
                "leave_type__code",
                "start_date",
                "end_date",
                "half",
                "hours",
                "amount",
                "reason",
                "status",
                "decided_at",
                "decision_comment",
                "created_at",
            ],
        ),
        "overtime_requests": _rows(
            OvertimeRequest.objects.filter(**mine).order_by("created_at", "id"),
            ["work_date", "minutes", "reason", "status", "decided_at", "decision_comment", "created_at"],
        ),
        "leave_ledger": _rows(
            LeaveLedgerEntry.objects.filter(**mine).order_by("effective_date", "id"),
            ["leave_type__code", "kind", "amount", "effective_date", "accrual_year", "note"],
        ),
    }


def _scrub_text(queryset, *fields: str) -> int:
    """Replace each non-empty value of `fields` by ERASED_TEXT; rows already scrubbed are not touched."""
    changed = 0
    for name in fields:
        changed += queryset.exclude(**{name: ""}).exclude(**{name: ERASED_TEXT}).update(**{name: ERASED_TEXT})
    return changed


def erase_attendance(member: Membership, *, actor) -> dict[str, int]:
    mine = {"organization": member.organization, "member": member}
    located = (
        Q(ip__isnull=False)
        | ~Q(device_id="")
        | Q(latitude__isnull=False)
        | Q(longitude__isnull=False)
        | Q(accuracy_m__isnull=False)
    )
    return {
        "punches": Punch.objects.filter(located, **mine).update(
            ip=None, device_id="", latitude=None, longitude=None, accuracy_m=None
        ),
        "daily_record_notes": _scrub_text(DailyRecord.objects.filter(**mine), "note", "approval_text"),
        "adjustment_request_texts": _scrub_text(
            AdjustmentRequest.objects.filter(**mine), "reason", "decision_comment"
        ),
        "leave_request_texts": _scrub_text(LeaveRequest.objects.filter(**mine), "reason", "decision_comment"),
        "overtime_request_texts": _scrub_text(
            OvertimeRequest.objects.filter(**mine), "reason", "decision_comment"
        ),
        "leave_ledger_notes": _scrub_text(LeaveLedgerEntry.objects.filter(**mine), "note"),
    }


# Imported once from AppConfig.ready().
register_personal_data("attendance", export=export_attendance, erase=erase_attendance)
