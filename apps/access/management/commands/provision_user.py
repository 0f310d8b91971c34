"""Create a member, or bring an existing one up to date (the same service as POST /api/attendance-admin/users).

    manage.py provision_user --org acme --username alice --email alice@acme.example \\
        [--employee-no E0200] [--name "Alice Li"] [--department HR] [--roles employee,approver] \\
        [--manager bob] [--dingtalk-user-id 0123456789] [--invite] [--actor admin]

Running it again with the same values changes nothing ("unchanged").
"""

from django.core.management.base import BaseCommand, CommandError

from apps.access.management.commands._provisioning import command_context, organization_and_actor
from apps.access.provisioning import member_provision
from apps.access.provisioning.batch import split_roles
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Create or update one member of an organization."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--employee-no", default="")
        parser.add_argument("--name", default="")
        parser.add_argument("--department", default="")
        parser.add_argument(
            "--roles", default="", help="employee, approver, importer, admin (comma separated)."
        )
        parser.add_argument(
            "--manager", default="", help="The manager's user name, e-mail or employee number."
        )
        parser.add_argument(
            "--dingtalk-user-id", default="", help="The member's DingTalk UserId (imports match on it)."
        )
        parser.add_argument("--invite", action="store_true", help="Mail a set-password link to a new member.")
        parser.add_argument(
            "--actor", default="", help="The admin doing this (recorded in the operation log)."
        )

    def handle(self, *args, **options):
        with command_context("provision_user"):
            self._handle(options)

    def _handle(self, options):
        organization, actor = organization_and_actor(options["org"], options["actor"])
        try:
            result = member_provision(
                organization=organization,
                actor=actor,
                username=options["username"],
                email=options["email"],
                employee_no=options["employee_no"],
                name=options["name"],
                department=options["department"],
                roles=split_roles(options["roles"]),
                manager=options["manager"],
                dingtalk_user_id=options["dingtalk_user_id"],
                invite=options["invite"],
            )
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        member = result.membership
        roles = ", ".join(sorted(member.roles.values_list("name", flat=True)))
        self.stdout.write(
            f"{result.status}: {member.user.username} (member {member.pk}, user {member.user_id}) roles: {roles}"
        )
        for name, (before, after) in (
            (k, v) for k, v in result.changes.items() if isinstance(v, list) and len(v) == 2
        ):
            self.stdout.write(f"  {name}: {before!r} -> {after!r}")
        if result.invited:
            self.stdout.write(f"  invitation sent to {member.user.email}")
