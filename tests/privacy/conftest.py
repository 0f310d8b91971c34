"""A member with personal data in every app (and a colleague with their own), for the privacy commands."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from apps.access import roles
from apps.access.models import ApiToken
from apps.attendance.models import (
    AdjustmentRequest,
    DailyRecord,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    Punch,
)
from apps.audit.services import audit_record
from apps.imports.models import ImportBatch, ImportItem

SHANGHAI = ZoneInfo("Asia/Shanghai")

EMMA = {
    "username": "emma.stone",
    "email": "emma.stone@example.com",
    "display_name": "Emma Stonefield",
    "external_id": "ding-emma-77",
    "device_id": "device-emma-xyz",
    "ip": "203.0.113.77",
    "reason": "Doctor visit for Emma Stonefield",
}


def _give_data(member, *, device_id: str, ip: str, reason: str, line: int) -> None:
    org = member.organization
    ApiToken.objects.create(
        user=member.user,
        organization=org,
        name=f"{member.user.username} laptop",
        prefix=hashlib.sha256(device_id.encode()).hexdigest()[:8],
        key_hash=hashlib.sha256(device_id.encode()).hexdigest(),
    )
    occurred = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    Punch.objects.create(
        organization=org,
        member=member,
        occurred_at=occurred,
        work_date=date(2026, 3, 2),
        kind="in",
        source="web",
        ip=ip,
        device_id=device_id,
        latitude=31.23,
        longitude=121.47,
        accuracy_m=12.0,
    )
    DailyRecord.objects.create(
        organization=org,
        member=member,
        work_date=date(2026, 3, 2),
        first_in_at=occurred,
        worked_minutes=480,
        late_minutes=5,
        status="late",
        note=reason,
    )
    AdjustmentRequest.objects.create(
        organization=org,
        member=member,
        work_date=date(2026, 3, 3),
        kind="missed_check_in",
        requested_in_at=datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI),
        reason=f'=HYPERLINK("x") {reason}',
        status="approved",
        decision_comment=f"ok {reason}",
    )
    leave_type, _ = LeaveType.objects.get_or_create(
        organization=org, code="annual", defaults={"name": "Annual"}
    )
    request = LeaveRequest.objects.create(
        organization=org,
        member=member,
        leave_type=leave_type,
        start_date=date(2026, 4, 1),
        end_date=date(2026, 4, 1),
        amount=Decimal("1.00"),
        working_days=1,
        reason=reason,
        status="approved",
    )
    LeaveLedgerEntry.objects.create(
        organization=org,
        member=member,
        leave_type=leave_type,
        kind="usage",
        amount=Decimal("-1.00"),
        effective_date=date(2026, 4, 1),
        leave_request=request,
    )
    batch, _ = ImportBatch.objects.get_or_create(
        organization=org, fingerprint="f" * 64, defaults={"created_at": timezone.now(), "status": "completed"}
    )
    ImportItem.objects.create(
        batch=batch,
        line=line,
        status="failed",
        member_id=member.pk,
        error_code="BAD_TIME",
        raw={"name": member.display_name, "employee_no": member.employee_no, "time": "25:00"},
    )
    audit_record(action="attendance.punch.create", actor=member, target=member, details={"note": "punch"})


@pytest.fixture
def emma(make_member):
    member = make_member(
        EMMA["username"],
        roles.EMPLOYEE,
        employee_no="E-1001",
        display_name=EMMA["display_name"],
        external_id=EMMA["external_id"],
        user__email=EMMA["email"],
        user__first_name="Emma",
        user__last_name="Stonefield",
    )
    _give_data(member, device_id=EMMA["device_id"], ip=EMMA["ip"], reason=EMMA["reason"], line=1)
    return member


@pytest.fixture
def olga(make_member):
    member = make_member(
        "olga.berg",
        roles.ADMIN,
        employee_no="E-2002",
        display_name="Olga Bergmann",
        user__email="olga@example.com",
    )
    _give_data(member, device_id="device-olga-abc", ip="198.51.100.9", reason="Olga moving house", line=2)
    return member


def database_text_containing(needle: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """The tables any of whose rows' text contains `needle` (case-insensitive)."""
    found = []
    needle = needle.lower()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in skip:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names
            if any(needle in str(row).lower() for row in cursor.fetchall()):
                found.append(table)
    return found
