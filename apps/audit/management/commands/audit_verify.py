"""Check the operation log's hash chains.

    manage.py audit_verify [--org acme]

Walks each chain (one per organization, plus the global one) in sequence order and reports the first
missing or altered entry. Exits with status 1 when any chain is broken.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.access.models import Organization
from apps.audit.models import chain_key
from apps.audit.verify import chain_verify, chains
from apps.core import metrics


class Command(BaseCommand):
    help = "Verify the operation log's hash chains; exit non-zero on the first altered or missing entry."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="", help="Verify only this organization's chain (slug).")

    def handle(self, *args, **options):
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"ORGANIZATION_NOT_FOUND: no organization {options['org']!r}.")
            keys = [chain_key(organization.pk)]
        else:
            keys = chains()
        broken = []
        for key in keys:
            report = chain_verify(key)
            span = f"{report.first_sequence}..{report.last_sequence}" if report.checked else "empty"
            waiting = f", {report.unsealed} not sealed yet" if report.unsealed else ""
            if report.ok:
                self.stdout.write(f"{key}: ok ({report.checked} entries, {span}{waiting})")
            else:
                broken.append(report)
                self.stdout.write(
                    f"{key}: BROKEN at sequence {report.problem.sequence}: {report.problem.message}"
                )
        if not options["org"]:
            # A full check is what the audit-chain metric and its alert report (docs/runbook.md).
            metrics.check_recorded("audit_chain", ok=not broken, problems=len(broken))
        if broken:
            raise CommandError(
                f"AUDIT_CHAIN_BROKEN: {len(broken)} of {len(keys)} chain(s) failed verification."
            )
        self.stdout.write(self.style.SUCCESS(f"All {len(keys)} chain(s) verified."))
