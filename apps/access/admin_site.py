"""The Django admin, audited: every write made through /django-admin/ leaves an operation log entry.

`AdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS so that the default site is
`AuditedAdminSite`. Its `register()` gives every ModelAdmin (ours and third-party ones: users, groups,
axes) the `AuditedAdminMixin`, so no registration can forget it. The mixin hooks the three places Django's
admin itself logs a write (`log_addition`, `log_change`, `log_deletions`), which run inside the admin's
transaction: the entry commits or rolls back with the change. The recorder is audit's, reached through
`apps.access.hooks.record_operation` (access does not import audit).

Entries read `django_admin.add`, `django_admin.change` and `django_admin.delete`, with the model, the object's
label and the changed fields in `details`; the organization is the object's own (an organization, or the
object's `organization`), so the entry joins that organization's chain.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.db import models

from apps.access.hooks import record_operation


def _organization_of(obj: models.Model):
    # Imported here: this module is loaded with INSTALLED_APPS, before the models are.
    from apps.access.models import Organization

    if isinstance(obj, Organization):
        return obj
    organization = getattr(obj, "organization", None)
    return organization if isinstance(organization, Organization) else None


def _changed_fields(message: Any) -> list[str]:
    """The field names Django's change message lists (`[{"changed": {"fields": [...]}}]`)."""
    fields: list[str] = []
    for part in message if isinstance(message, list) else []:
        for kind in ("added", "changed", "deleted"):
            fields.extend(str(name) for name in (part.get(kind) or {}).get("fields", []))
    return fields


class AuditedAdminMixin:
    def _audit(self, request, obj: models.Model, verb: str, message: Any = None) -> None:
        record_operation(
            action=f"django_admin.{verb}",
            actor=request.user,
            organization=_organization_of(obj),
            target=obj,
            details={
                "model": obj._meta.label_lower,
                "object": str(obj)[:200],
                "fields": _changed_fields(message),
            },
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "add", message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "change", message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, obj, "delete")
        return entries


class AuditedAdminSite(admin.AdminSite):
    site_header = "TimeLedger administration"
    site_title = "TimeLedger"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(f"Audited{admin_class.__name__}", (AuditedAdminMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)


class AdminConfig(DjangoAdminConfig):
    default_site = "apps.access.admin_site.AuditedAdminSite"
