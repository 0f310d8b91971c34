"""Measure the record computation: punches for N members over D days, then a full recompute.

Works in a throwaway organization that it deletes afterwards, so it can run against any database
(development or a staging copy). Prints rows per second for the punch-driven path and the bulk path.
"""

import time as clock
import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.access.models import Membership, Organization
from apps.attendance import services
from apps.attendance.models import DailyRecord, Punch


class Command(BaseCommand):
    help = "Benchmark daily record computation in a throwaway organization (development and test only)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=50)
        parser.add_argument("--days", type=int, default=31)
        parser.add_argument("--punches", type=int, default=200, help="Punches made through punch_create.")

    def handle(self, *args, members, days, punches, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("The benchmark writes data; run it in development or test (DJANGO_ENV).")
        if not (1 <= members <= 5000 and 1 <= days <= 366 and 0 <= punches <= 100_000):
            raise CommandError("VALIDATION_ERROR: members 1..5000, days 1..366, punches 0..100000.")
        tag = uuid.uuid4().hex[:8]
        organization = Organization.objects.create(
            name=f"Benchmark {tag}", slug=f"bench-{tag}", timezone="Asia/Shanghai"
        )
        users = []
        try:
            shift = services.shift_create(
                organization=organization, name="Day", start_time=time(9), end_time=time(18), break_minutes=60
            )
            services.policy_update(organization=organization, default_shift=shift)
            User = get_user_model()
            users = User.objects.bulk_create([User(username=f"bench-{tag}-{n}") for n in range(members)])
            people = Membership.objects.bulk_create(
                [
                    Membership(organization=organization, user=user, employee_no=f"B{n}")
                    for n, user in enumerate(users)
                ]
            )
            first = date(2026, 3, 1)
            dates = [first + timedelta(days=n) for n in range(days)]

            started = clock.perf_counter()
            for n in range(punches):
                member = people[n % members]
                day = dates[(n // members) % days]
                kind = "in" if n % 2 == 0 else "out"
                moment = datetime.combine(
                    day, time(9) if kind == "in" else time(18), tzinfo=organization.tzinfo
                )
                services.punch_create(member=member, kind=kind, source="admin", occurred_at=moment)
            punch_seconds = clock.perf_counter() - started

            # Punches straight into the table so that the bulk recompute has a realistic month to chew on.
            Punch.objects.bulk_create(
                [
                    Punch(
                        organization=organization,
                        member=member,
                        occurred_at=datetime.combine(day, time(9, n % 30), tzinfo=organization.tzinfo),
                        work_date=day,
                        kind="in",
                        source="import",
                    )
                    for n, member in enumerate(people)
                    for day in dates
                ],
                batch_size=2000,
            )
            started = clock.perf_counter()
            result = services.records_recompute(
                organization=organization, member_ids=[m.pk for m in people], dates=dates
            )
            bulk_seconds = clock.perf_counter() - started
            rows = DailyRecord.objects.for_org(organization).count()
        finally:
            with transaction.atomic():
                Punch.objects.filter(organization=organization).delete()
                organization.delete()
                get_user_model().objects.filter(pk__in=[u.pk for u in users]).delete()
        if punches:
            self.stdout.write(
                f"punch_create: {punches} punches in {punch_seconds:.2f} s "
                f"({punches / punch_seconds:.0f}/s, {1000 * punch_seconds / punches:.1f} ms each)"
            )
        self.stdout.write(
            f"records_recompute: {members} members x {days} days = {rows} records "
            f"({result.created} created, {result.updated} updated) in {bulk_seconds:.2f} s "
            f"({rows / bulk_seconds:.0f} records/s)"
        )
