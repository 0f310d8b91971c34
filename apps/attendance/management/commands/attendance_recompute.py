"""Recompute daily records for a date range (all active members, or some). Run daily for yesterday so that
days without any punch get their record (absent, off, holiday, leave); safe to run again."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.attendance.services import records_recompute
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Recompute attendance daily records of an organization for a date range (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--from", dest="start", help="First work date, YYYY-MM-DD (default: yesterday).")
        parser.add_argument("--to", dest="end", help="Last work date, YYYY-MM-DD (default: --from).")
        parser.add_argument(
            "--member", action="append", default=[], help="Username or employee number; repeat."
        )

    def handle(self, *args, org, start, end, member, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"ORGANIZATION_NOT_FOUND: no organization {org!r}.")
        yesterday = timezone.localdate(timezone.now(), organization.tzinfo) - timedelta(days=1)
        try:
            first = date.fromisoformat(start) if start else yesterday
            last = date.fromisoformat(end) if end else first
        except ValueError as error:
            raise CommandError(f"VALIDATION_ERROR: {error}") from None
        if last < first:
            raise CommandError("INVALID_DATE_RANGE: --to is before --from.")
        members = Membership.objects.for_org(organization).filter(is_active=True)
        if member:
            members = members.filter(user__username__in=member) | members.filter(employee_no__in=member)
        member_ids = list(members.values_list("pk", flat=True).distinct())
        dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        try:
            result = records_recompute(organization=organization, member_ids=member_ids, dates=dates)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        self.stdout.write(
            f"{len(member_ids)} members x {len(dates)} days: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped_locked} skipped (locked)."
        )
