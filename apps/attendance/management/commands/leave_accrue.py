"""Credit the yearly leave allowances (what beat's `attendance.leave_accrue` does every day). Safe to run
again: each member gets one accrual per leave type and year, and last year's balance above a type's
carry-forward cap expires once."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.access.models import Organization
from apps.attendance.services import leave_accrue_year


class Command(BaseCommand):
    help = "Credit every active member this year's leave allowance (or --year's); safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Organization slug (default: every organization).")
        parser.add_argument(
            "--year", type=int, help="The year to credit (default: the organization's current)."
        )

    def handle(self, *args, org, year, **options):
        organizations = Organization.objects.order_by("pk")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"ORGANIZATION_NOT_FOUND: no organization {org!r}.")
        if year is not None and not 1900 <= year <= 2199:
            raise CommandError("VALIDATION_ERROR: --year must be between 1900 and 2199.")
        for organization in organizations:
            credit_year = year or timezone.localdate(timezone.now(), organization.tzinfo).year
            created = leave_accrue_year(organization=organization, year=credit_year)
            self.stdout.write(f"{organization.slug}: {created} ledger entries for {credit_year}")
