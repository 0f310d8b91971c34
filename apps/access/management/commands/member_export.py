"""Everything held on one member, as JSON and one CSV per section (a data subject access request).

    manage.py member_export --org acme emma [--out DIR]

The member is named by user name, employee number or e-mail. Default folder:
output/member-export/<org>-<employee_no or id>/.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from apps.access.personal_data import member_export, member_lookup
from apps.core.errors import DomainError


def default_out_dir(member) -> Path:
    label = slugify(member.employee_no) or f"id{member.pk}"
    return Path("output") / "member-export" / f"{member.organization.slug}-{label}"


class Command(BaseCommand):
    help = "Export everything held on a member (JSON + CSV per section); audited as access.member.export."

    def add_arguments(self, parser):
        parser.add_argument("member", help="User name, employee number or e-mail of the member.")
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--out", help="Output folder (created if missing).")

    def handle(self, *args, member, org, out=None, **options):
        try:
            membership = member_lookup(organization_slug=org, identifier=member)
            out_dir = Path(out) if out else default_out_dir(membership)
            counts = member_export(member=membership, out_dir=out_dir, actor_label="manage.py member_export")
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        for section, count in counts.items():
            self.stdout.write(f"{section}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Exported {sum(counts.values())} rows to {out_dir}"))
