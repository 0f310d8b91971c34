from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, using="default", **kwargs) -> None:
    from apps.access.roles import roles_ensure

    roles_ensure(using=using)


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access: organizations, members and roles"

    def ready(self) -> None:
        from apps.access import sessions  # noqa: F401 - connects the session bookkeeping receivers

        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="access_ensure_roles")
