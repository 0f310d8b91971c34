"""Erase a member's personal data (right to erasure), keeping the attendance figures payroll needs.

    manage.py member_erase --org acme emma            # dry run: what would change
    manage.py member_erase --org acme emma --confirm  # erase; audited as access.member.erase

Safe to repeat: a second run finds nothing to change and says so. See docs/privacy.md.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.access.personal_data import member_erase, member_lookup
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Pseudonymize a member's personal data in every app (dry run unless --confirm)."

    def add_arguments(self, parser):
        parser.add_argument("member", help="User name, employee number or e-mail of the member.")
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--confirm", action="store_true", help="Erase for real (default: dry run).")

    def handle(self, *args, member, org, confirm=False, **options):
        try:
            membership = member_lookup(organization_slug=org, identifier=member)
            counts = member_erase(member=membership, confirm=confirm, actor_label="manage.py member_erase")
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        for app, values in counts.items():
            for what, count in values.items():
                if count:
                    self.stdout.write(f"{app}.{what}: {count}")
        total = sum(sum(values.values()) for values in counts.values())
        if not total:
            self.stdout.write(self.style.SUCCESS("Nothing to erase: this member's data is already erased."))
        elif confirm:
            self.stdout.write(self.style.SUCCESS(f"Erased: {total} rows changed."))
        else:
            self.stdout.write(
                self.style.WARNING(f"Dry run: {total} rows would change; add --confirm to erase.")
            )
