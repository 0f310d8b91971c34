"""Create the four roles as Django Groups with their permission sets (apps/access/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# A copy, not an import: a migration must keep meaning what it meant when it was written.
ROLE_PERMISSIONS = {
    "attendance_employee": ("attendance_read", "attendance_write"),
    "attendance_approver": ("attendance_read", "attendance_write", "attendance_approve"),
    "attendance_importer": ("attendance_read", "attendance_write", "attendance_import"),
    "attendance_admin": (
        "attendance_read",
        "attendance_write",
        "attendance_approve",
        "attendance_import",
        "attendance_admin",
    ),
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; make sure ours exist now.
    app_config = apps.get_app_config("access")
    app_config.models_module = True  # the migration state's stub lacks it; create_permissions checks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="access", codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
