# SQL here is assembled from this module's constants only; every value travels as a parameter.
# ruff: noqa: S608
"""Benchmark the payroll paths through the API (in this process, the whole middleware and view stack).

    python manage.py payroll_bench --members 10000 --days 31

Needs PostgreSQL (DATABASE_URL). Seeds, set-based (INSERT ... SELECT generate_series), an organization of
its own ("payroll-bench", emptied first): N members on a default day shift, an overtime rule, and N x D daily
records (mostly normal, some late, partial, absent, rest days worked, overtime), and two days of approved
leave for every 50th member. Then times: the full summary exported as CSV (`summaryExportMs`), one summary
page of 50 (`summaryPageMs`), lock (`lockMs`), close with its snapshots (`closeMs`), and the first page of the
cycle's anomalies (`anomaliesMs`). In the same run it times the naive way, a per-member ORM loop summing
records in Python (`naiveSummaryMs`), reports each figure as a ratio to it, and the floor: a bare count, a
per-member sum and a COPY of the same records (`floor`); reads the peak memory of the process and writes
output/perf/payroll-summary.json.
"""

import json
import resource
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from apps.access import roles
from apps.access.models import Membership, Organization
from apps.attendance.models import AttendancePolicy, DailyRecord, LeaveType, Shift
from apps.payroll_cycles.models import OvertimeRule, PayrollCycle

SLUG = "payroll-bench"
START = date(2026, 1, 1)
TARGETS = {"summaryExportMs": 2000, "summaryPageMs": 150, "closeMs": 5000, "peakMemoryMb": 200}

SEED_USERS = """
INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, email, is_staff, is_active,
                       date_joined)
SELECT 'pb' || i, '!', false, 'Bench', 'User ' || i, '', false, true, now() FROM generate_series(1, %(n)s) i
"""
SEED_MEMBERS = """
INSERT INTO access_membership (user_id, organization_id, employee_no, external_id, display_name, department,
                               is_active, invitation_pending, invited_email, created_at, updated_at)
SELECT u.id, %(org)s, lpad(substr(u.username, 3), 6, '0'), '', '', 'Bench', true, false, '', now(), now()
FROM auth_user u WHERE u.username ~ '^pb[0-9]+$'
"""
# Day d of member m: every 13th a rest day worked, every 7th late, every 29th partial, every 31st absent,
# every 5th two hours of overtime; the rest 09:00-18:00 with a one-hour break.
SEED_RECORDS = """
INSERT INTO attendance_dailyrecord (organization_id, member_id, work_date, first_in_at, last_out_at,
    worked_minutes, late_minutes, early_leave_minutes, status, source, note, version, created_at, updated_at)
SELECT %(org)s, m.id, d.day,
       CASE WHEN k.kind = 'absent' THEN NULL ELSE (d.day + time '09:00' + k.late) AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN k.kind IN ('absent', 'partial') THEN NULL
            ELSE (d.day + time '18:00' + k.extra) AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN k.kind IN ('absent', 'partial') THEN 0
            ELSE 480 + extract(epoch FROM k.extra - k.late)::int / 60 END,
       extract(epoch FROM k.late)::int / 60, 0,
       k.kind, 'import', '', 1, now(), now()
FROM access_membership m
CROSS JOIN (SELECT (%(start)s::date + i) AS day, i FROM generate_series(0, %(days)s - 1) i) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN (m.id + d.i) %% 31 = 0 THEN 'absent'
                WHEN (m.id + d.i) %% 29 = 0 THEN 'partial'
                WHEN (m.id + d.i) %% 13 = 0 THEN 'off'
                WHEN (m.id + d.i) %% 7 = 0 THEN 'late'
                ELSE 'normal' END AS kind,
           CASE WHEN (m.id + d.i) %% 7 = 0 AND (m.id + d.i) %% 13 <> 0 THEN interval '25 minutes'
                ELSE interval '0' END AS late,
           CASE WHEN (m.id + d.i) %% 5 = 0 THEN interval '2 hours' ELSE interval '0' END AS extra
) k
WHERE m.organization_id = %(org)s AND m.employee_no <> 'admin'
"""

# Every 50th member took two days of approved annual leave (days 10 and 11 of the cycle).
SEED_LEAVE = """
INSERT INTO attendance_leaverequest (organization_id, status, decision_comment, idempotency_key,
    request_fingerprint, created_at, updated_at, member_id, leave_type_id, start_date, end_date, half, amount,
    working_days, reason)
SELECT %(org)s, 'approved', '', '', '', now(), now(), m.id, %(leave_type)s, %(start)s::date + 9,
       %(start)s::date + 10, '', 2, 2, ''
FROM access_membership m WHERE m.organization_id = %(org)s AND m.employee_no <> 'admin' AND m.id %% 50 = 0
"""


def _bench_users():
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return get_user_model().objects.filter(Q(username__regex=r"^pb[0-9]+$") | Q(username="pb-admin"))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class Command(BaseCommand):
    help = "Benchmark payroll summaries, export, lock and close through the API (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=31)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "output" / "perf"))

    def handle(self, *args, members: int, days: int, output: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("payroll_bench measures the PostgreSQL path: set DATABASE_URL=postgres://...")
        if not 1 <= members <= 100_000 or not 1 <= days <= 62:
            raise CommandError("--members must be 1..100000 and --days 1..62")
        self.stdout.write(f"seeding {members} members x {days} days ...")
        started = time.perf_counter()
        org, admin = self._seed(members, days)
        self.stdout.write(f"seeded in {_ms(started):.0f} ms")
        cycle = PayrollCycle.objects.create(
            organization=org, name="Bench", start_date=START, end_date=START + timedelta(days=days - 1)
        )
        with override_settings(ALLOWED_HOSTS=["*"]):
            figures = self._measure(org, admin, cycle)
        figures |= {"members": members, "records": DailyRecord.objects.filter(organization=org).count()}
        figures["peakMemoryMb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        naive = figures["naiveSummaryMs"]
        figures["ratios"] = {
            key: round(figures[key] / naive, 3)
            for key in ("summaryExportMs", "summaryPageMs", "lockMs", "closeMs", "anomaliesMs")
            if figures.get(key) is not None
        }
        figures["targets"] = TARGETS
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        (out / "payroll-summary.json").write_text(json.dumps(figures, indent=2))
        self.stdout.write(json.dumps(figures, indent=2))
        self._clean(org)

    def _clean(self, org: Organization) -> None:
        """Set-based: the ORM's cascade would collect (and audit-log) 10,000 members one by one, minutes.
        The seeded members own nothing but their roles, records, leave and snapshots."""
        PayrollCycle.objects.filter(organization=org).delete()  # unfrozen first: then its records may go
        roles_table = Membership.roles.through._meta.db_table
        seeded = "SELECT id FROM access_membership WHERE organization_id = %(org)s AND employee_no <> 'admin'"
        with transaction.atomic(), connection.cursor() as cursor:
            for table in ("attendance_dailyrecord", "attendance_leaverequest"):
                cursor.execute(f"DELETE FROM {table} WHERE organization_id = %(org)s", {"org": org.pk})
            cursor.execute(f"DELETE FROM {roles_table} WHERE membership_id IN ({seeded})", {"org": org.pk})
            cursor.execute(
                f"DELETE FROM access_membership WHERE id IN ({seeded}) RETURNING user_id", {"org": org.pk}
            )
            user_ids = [user_id for (user_id,) in cursor.fetchall()]
            cursor.execute("DELETE FROM auth_user WHERE id = ANY(%s)", [user_ids])
        org.delete()
        _bench_users().delete()

    def _seed(self, members: int, days: int):
        existing = Organization.objects.filter(slug=SLUG).first()
        if existing is not None:
            self._clean(existing)
        _bench_users().delete()
        org = Organization.objects.create(slug=SLUG, name="Payroll bench", timezone="Asia/Shanghai")
        from datetime import time as clock

        shift = Shift.objects.create(
            organization=org, name="Day", start_time=clock(9), end_time=clock(18), break_minutes=60,
            required_minutes=480, late_grace_minutes=10,
        )  # fmt: skip
        AttendancePolicy.objects.create(organization=org, default_shift=shift)
        OvertimeRule.objects.create(organization=org, name="Org", weekly_threshold_minutes=2400)
        annual = LeaveType.objects.create(organization=org, code="annual", name="Annual")
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user(username="pb-admin", password=None)
        admin = Membership.objects.create(user=user, organization=org, employee_no="admin")
        admin.roles.add(Group.objects.get(name=roles.ADMIN))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SEED_USERS, {"n": members})
            cursor.execute(SEED_MEMBERS, {"org": org.pk})
            cursor.execute(SEED_RECORDS, {"org": org.pk, "start": START, "days": days})
            if days >= 11:
                cursor.execute(SEED_LEAVE, {"org": org.pk, "start": START, "leave_type": annual.pk})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE attendance_dailyrecord")
            cursor.execute("ANALYZE access_membership")
        return org, admin

    def _measure(self, org: Organization, admin: Membership, cycle: PayrollCycle) -> dict:
        client = Client()
        client.force_login(admin.user)
        base = f"/api/attendance/payroll-cycles/{cycle.pk}"
        client.get(f"{base}/summary", {"pageSize": 50})  # warm the connection and caches once
        figures = {}

        started = time.perf_counter()
        response = client.get(f"{base}/summary/export.csv")
        size = sum(len(chunk) for chunk in response.streaming_content)
        figures["summaryExportMs"] = _ms(started)
        figures["exportBytes"] = size

        samples = []
        last = max(1, (Membership.objects.filter(organization=org).count() + 49) // 50)
        for page in (1, (last + 1) // 2, last):
            started = time.perf_counter()
            assert client.get(f"{base}/summary", {"page": page, "pageSize": 50}).status_code == 200
            samples.append(_ms(started))
        figures["summaryPageMs"] = sorted(samples)[1]

        started = time.perf_counter()
        assert client.post(f"{base}/lock", {}, content_type="application/json").status_code == 200
        figures["lockMs"] = _ms(started)
        started = time.perf_counter()
        assert client.post(f"{base}/close", {}, content_type="application/json").status_code == 200
        figures["closeMs"] = _ms(started)

        started = time.perf_counter()
        response = client.get("/api/attendance/anomalies", {"cycle": cycle.pk, "pageSize": 50})
        assert response.status_code == 200, response.content
        figures["anomaliesMs"] = _ms(started)

        figures["floor"] = self._floor(org, cycle)
        started = time.perf_counter()
        self._naive(org, cycle)
        figures["naiveSummaryMs"] = _ms(started)
        return figures

    @staticmethod
    def _floor(org: Organization, cycle: PayrollCycle) -> dict:
        """What reading the same records costs at all, in this run: a bare count, a per-member sum, and
        COPY of the records' figures to this process (the floor under the summary, the export and the
        close; each statement alone, through the same connection)."""
        where = "WHERE organization_id = %(org)s AND work_date BETWEEN %(start)s AND %(end)s"
        params = {"org": org.pk, "start": cycle.start_date, "end": cycle.end_date}
        out = {}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            started = time.perf_counter()
            cursor.execute(f"SELECT count(*) FROM attendance_dailyrecord {where}", params)
            cursor.fetchall()
            out["countMs"] = _ms(started)
            started = time.perf_counter()
            cursor.execute(
                "SELECT member_id, sum(worked_minutes), sum(late_minutes), count(*) FILTER (WHERE status = "
                f"'late') FROM attendance_dailyrecord {where} GROUP BY member_id",
                params,
            )
            cursor.fetchall()
            out["groupByMemberMs"] = _ms(started)
            started = time.perf_counter()
            copy_sql = (
                "COPY (SELECT member_id, work_date, status, worked_minutes, late_minutes FROM "
                f"attendance_dailyrecord {where}) TO STDOUT"
            )
            with cursor.cursor.copy(copy_sql, params) as copy:
                for _data in copy:
                    pass
            out["copyRecordsMs"] = _ms(started)
        return out

    @staticmethod
    def _naive(org: Organization, cycle: PayrollCycle) -> list[dict]:
        """What peers do: per member, load the records and sum them in Python (no overtime rules even)."""
        out = []
        for member in Membership.objects.filter(organization=org).order_by("pk"):
            totals = {"worked": 0, "late": 0, "days": 0, "overtime": 0}
            for record in DailyRecord.objects.filter(
                member=member, work_date__range=(cycle.start_date, cycle.end_date)
            ):
                totals["days"] += 1
                totals["worked"] += record.worked_minutes
                totals["late"] += record.late_minutes
                totals["overtime"] += max(0, record.worked_minutes - 480)
            out.append(totals)
        return out
