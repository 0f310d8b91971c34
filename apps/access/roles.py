"""The four roles and the permissions each grants. The data migration creates them as Django Groups."""

EMPLOYEE = "attendance_employee"
APPROVER = "attendance_approver"
IMPORTER = "attendance_importer"
ADMIN = "attendance_admin"

READ = "attendance_read"
WRITE = "attendance_write"
APPROVE = "attendance_approve"
IMPORT = "attendance_import"
ADMINISTER = "attendance_admin"

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    EMPLOYEE: (READ, WRITE),
    APPROVER: (READ, WRITE, APPROVE),
    IMPORTER: (READ, WRITE, IMPORT),
    ADMIN: (READ, WRITE, APPROVE, IMPORT, ADMINISTER),
}
ROLE_NAMES = tuple(ROLE_PERMISSIONS)


def roles_ensure(*, using: str = "default") -> None:
    """Make the four role groups exist with exactly their permission sets. Idempotent.

    The data migration creates them once; this runs after every `migrate` and after every test-database
    flush (post_migrate), so a database emptied by a transactional test gets its roles back.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    create_permissions(apps.get_app_config("access"), verbosity=0, using=using)
    permissions = {
        p.codename: p
        for p in Permission.objects.using(using).filter(
            content_type__app_label="access", codename__in={c for cs in ROLE_PERMISSIONS.values() for c in cs}
        )
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([permissions[c] for c in codenames])
