from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.access.hooks import register_event_writer, register_operation_recorder
        from apps.access.models import ApiToken, Membership, Organization
        from apps.audit import (
            personal_data,  # noqa: F401 - registers audit's personal-data handler
            receivers,  # noqa: F401 - connects the auth signal receivers
            wording,
        )
        from apps.audit.admin_pages import sections as admin_sections
        from apps.audit.metrics import refresh_sealer_gauges
        from apps.audit.services import audit_record
        from apps.audit.webhooks.events import event_emit
        from apps.core.health import register_scrape_refresher

        register_operation_recorder(audit_record)
        register_scrape_refresher(refresh_sealer_gauges)
        register_event_writer(event_emit)
        admin_sections.register()
        wording.register_access_wordings()
        # Field-level diffs (django-auditlog) for the access models; secrets never enter a diff.
        auditlog.register(Organization)
        auditlog.register(Membership, m2m_fields={"roles"})
        auditlog.register(ApiToken, exclude_fields=["key_hash"])
