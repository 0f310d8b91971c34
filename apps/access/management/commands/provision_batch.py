"""Provision members from a CSV file: `username,email,employee_no,name,roles,manager` (+ optional department,
dingtalk_user_id).

    manage.py provision_batch people.csv --org acme [--atomic] [--invite] [--actor admin]

Each row means what one POST /api/attendance-admin/users means (create, or bring up to date; roles are
added, never removed); roles are separated by ; or |. Prints one line per row and a summary. Exits 1 when
any row failed; with --atomic nothing is changed then.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.access.management.commands._provisioning import command_context, organization_and_actor
from apps.access.provisioning.batch import provision_rows, read_rows
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Create or update members from a CSV file, with a per-row report."

    def add_arguments(self, parser):
        parser.add_argument("csv", help="Path to the CSV file (UTF-8, with or without BOM).")
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--atomic", action="store_true", help="All rows or none.")
        parser.add_argument("--invite", action="store_true", help="Mail a set-password link to new members.")
        parser.add_argument(
            "--actor", default="", help="The admin doing this (recorded in the operation log)."
        )

    def handle(self, *args, **options):
        with command_context("provision_batch"):
            self._handle(options)

    def _handle(self, options):
        organization, actor = organization_and_actor(options["org"], options["actor"])
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"FILE_NOT_FOUND: {path} does not exist.")
        try:
            with path.open(encoding="utf-8-sig", newline="") as lines:
                rows = read_rows(lines)
        except UnicodeDecodeError:
            raise CommandError("VALIDATION_ERROR: the file is not UTF-8 text.") from None
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        results = provision_rows(
            organization=organization,
            actor=actor,
            rows=rows,
            atomic=options["atomic"],
            invite=options["invite"],
        )
        counts: dict[str, int] = {}
        for result in results:
            counts[result.status] = counts.get(result.status, 0) + 1
            line = f"row {result.row} {result.username or '-'}: {result.status}"
            if result.code:
                line += f" {result.code} {result.message}"
            self.stdout.write(line)
        summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items())) or "no rows"
        self.stdout.write(f"{len(results)} row(s): {summary}")
        if counts.get("error"):
            raise CommandError(
                f"BATCH_REJECTED: {counts['error']} row(s) failed"
                + (
                    "; nothing was changed (--atomic)."
                    if options["atomic"]
                    else "; the other rows were applied."
                )
            )
