"""The benchmark's organization: N members with a token each, approvers with pending requests in their
inbox, importers, and a month of daily records. Set-based (bulk inserts, hashes computed in one pass), so
10,000 members take seconds."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from apps.access import roles
from apps.access.models import ApiToken, Membership, Organization
from apps.attendance import records_sql
from apps.attendance.models import AdjustmentRequest, AttendancePolicy, DailyRecord, Shift

BATCH = 2000
# Django's marker of an unusable password: these members sign in with their token only.
UNUSABLE_PASSWORD = "!"  # noqa: S105


@dataclass
class Seeded:
    organization: Organization
    employee_tokens: list[str] = field(default_factory=list)
    record_tokens: list[str] = field(default_factory=list)  # members with a month of records
    approver_tokens: list[str] = field(default_factory=list)
    importer_tokens: list[str] = field(default_factory=list)
    importer_member_ids: list[int] = field(default_factory=list)
    record_member_ids: list[int] = field(default_factory=list)
    month: tuple[date, date] = (date.min, date.min)


def _token(run: str, kind: str, n: int) -> str:
    return f"tl_bench_{run}_{kind}{n}"


def _members(organization, run: str, kind: str, count: int, role: str, **extra) -> tuple[list, list[str]]:
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"rush{run}-{kind}{n}", password=UNUSABLE_PASSWORD)
            for n in range(1, count + 1)
        ],
        batch_size=BATCH,
    )
    members = Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                organization=organization,
                employee_no=f"{kind.upper()}{n:05d}",
                external_id=f"u{n:04d}" if kind == "e" else "",
                display_name=f"Rush {kind}{n}",
                department=f"Dept {n % 20}",
                **extra,
            )
            for n, user in enumerate(users, start=1)
        ],
        batch_size=BATCH,
    )
    group = Group.objects.get(name=role)
    Membership.roles.through.objects.bulk_create(
        [Membership.roles.through(membership_id=m.pk, group_id=group.pk) for m in members], batch_size=BATCH
    )
    raws = [_token(run, kind, n) for n in range(1, count + 1)]
    expires = timezone.now() + timedelta(days=2)
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user=user,
                organization=organization,
                name="api_bench",
                prefix=raw[:12],
                key_hash=hashlib.sha256(raw.encode()).hexdigest(),
                expires_at=expires,
                last_used_at=timezone.now(),
            )
            for user, raw in zip(users, raws, strict=True)
        ],
        batch_size=BATCH,
    )
    return members, raws


def seed(*, run: str, members: int, approvers: int, importers: int, record_members: int) -> Seeded:
    """A fresh organization `rush-<run>` (Asia/Shanghai, 09:00-18:00 Monday-Friday)."""
    tz = "Asia/Shanghai"
    with transaction.atomic():
        organization = Organization.objects.create(
            slug=f"rush-{run}", name=f"Morning rush {run}", timezone=tz
        )
        shift = Shift.objects.create(
            organization=organization,
            name="Day",
            start_time=time(9),
            end_time=time(18),
            break_minutes=60,
            required_minutes=480,
        )
        AttendancePolicy.objects.create(organization=organization, default_shift=shift)
        employees, employee_tokens = _members(organization, run, "e", members, roles.EMPLOYEE)
        managers, approver_tokens = _members(organization, run, "a", approvers, roles.APPROVER)
        importer_members, importer_tokens = _members(organization, run, "i", importers, roles.IMPORTER)
        # Each approver manages a block of employees; five of each block ask for a correction.
        block = max(1, members // max(1, approvers))
        for index, manager in enumerate(managers):
            Membership.objects.filter(
                pk__in=[m.pk for m in employees[index * block : (index + 1) * block]]
            ).update(manager=manager)
        today = timezone.localdate(timezone.now(), organization.tzinfo)
        last_month_end = today.replace(day=1) - timedelta(days=1)
        month = (last_month_end.replace(day=1), last_month_end)
        AdjustmentRequest.objects.bulk_create(
            [
                AdjustmentRequest(
                    organization=organization,
                    member=employee,
                    work_date=month[0] + timedelta(days=offset),
                    kind=AdjustmentRequest.Kind.values[0],
                    requested_in_at=datetime.combine(
                        month[0] + timedelta(days=offset), time(9), organization.tzinfo
                    ),
                    reason="Forgot to clock in",
                )
                for index in range(len(managers))
                for offset, employee in enumerate(employees[index * block : index * block + 5])
            ],
            batch_size=BATCH,
        )
        days = [month[0] + timedelta(days=n) for n in range((month[1] - month[0]).days + 1)]
        with_records = employees[:record_members]
        DailyRecord.objects.bulk_create(
            [
                DailyRecord(
                    organization=organization,
                    member=employee,
                    work_date=day,
                    first_in_at=datetime.combine(day, time(9), organization.tzinfo),
                    last_out_at=datetime.combine(day, time(18), organization.tzinfo),
                    worked_minutes=480,
                    status=DailyRecord.Status.NORMAL,
                )
                for employee in with_records
                for day in days
            ],
            batch_size=BATCH,
        )
    with connection.cursor() as cursor:
        for table in ("auth_user", "access_membership", "access_apitoken", records_sql.TABLE):
            cursor.execute(f"ANALYZE {table}")
    return Seeded(
        organization=organization,
        employee_tokens=employee_tokens,
        record_tokens=employee_tokens[:record_members],
        approver_tokens=approver_tokens,
        importer_tokens=importer_tokens,
        importer_member_ids=[m.pk for m in importer_members],
        record_member_ids=[m.pk for m in with_records],
        month=month,
    )
