"""Load the demo organization and users (development and test only). Safe to run again."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.access import roles
from apps.access.hooks import demo_seeders
from apps.access.models import Membership, Organization

DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed for the demo on purpose; refused outside development
DEMO_ORG = {"slug": "acme", "name": "Acme Manufacturing", "timezone": "Asia/Shanghai"}
# username, display name, employee number, department, roles, manager
DEMO_USERS = [
    ("admin", "Ada Admin", "E0001", "HR", [roles.ADMIN], None),
    ("approver", "Alan Approver", "E0002", "Assembly", [roles.APPROVER], None),
    ("importer", "Iris Importer", "E0003", "HR", [roles.IMPORTER], None),
    ("employee", "Emma Employee", "E0101", "Assembly", [roles.EMPLOYEE], "approver"),
    ("wang.lei", "王磊", "E0102", "Assembly", [roles.EMPLOYEE], "approver"),
    ("li.na", "李娜", "E0103", "Assembly", [roles.EMPLOYEE], "approver"),
    ("sam.night", "Sam Nightshift", "E0104", "Assembly", [roles.EMPLOYEE], "approver"),
]


class Command(BaseCommand):
    help = "Create the demo organization 'acme' and its users (password demo12345). Development only."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is only loaded in development or test (DJANGO_ENV).")
        groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLE_NAMES)}
        if len(groups) != len(roles.ROLE_NAMES):
            raise CommandError("The role groups are missing: run `manage.py migrate` first.")
        with transaction.atomic():
            organization, _ = Organization.objects.update_or_create(
                slug=DEMO_ORG["slug"], defaults={"name": DEMO_ORG["name"], "timezone": DEMO_ORG["timezone"]}
            )
            memberships: dict[str, Membership] = {}
            for username, name, employee_no, department, role_names, manager in DEMO_USERS:
                user, created = get_user_model().objects.get_or_create(
                    username=username,
                    defaults={"email": f"{username}@acme.example", "first_name": name, "is_active": True},
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    if username == "admin":
                        user.is_staff = user.is_superuser = True
                    user.save()
                membership, _ = Membership.objects.update_or_create(
                    organization=organization,
                    user=user,
                    defaults={
                        "employee_no": employee_no,
                        "display_name": name,
                        "department": department,
                        "manager": memberships.get(manager) if manager else None,
                        "is_active": True,
                    },
                )
                membership.roles.set([groups[role] for role in role_names])
                memberships[username] = membership
            for seeder in demo_seeders():
                seeder(organization=organization, memberships=memberships)
        self.stdout.write(self.style.SUCCESS(f"Demo organization '{organization.slug}' is ready. Logins:"))
        for username, name, _employee_no, _department, role_names, _manager in DEMO_USERS:
            self.stdout.write(f"  {username:<10} / {DEMO_PASSWORD}   {name} ({', '.join(role_names)})")
