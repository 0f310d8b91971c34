"""What audit adds to the Admin Center shell (called from AuditConfig.ready())."""

from datetime import datetime, time

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access.admin_center import (
    Figure,
    Panel,
    Section,
    register_figure,
    register_panel,
    register_section,
    register_urls,
)
from apps.audit.models import OperationLog

CHAIN_CACHE_SECONDS = 7 * 24 * 3600


def chain_cache_key(organization) -> str:
    """Where the latest chain check of the organization is kept for the overview and the chain page."""
    return f"admin-center:chain-status:{organization.pk}"


def _entries_today(organization) -> int:
    today = datetime.combine(timezone.localdate(timezone=organization.tzinfo), time.min, organization.tzinfo)
    return OperationLog.objects.for_org(organization).filter(created_at__gte=today).count()


def register() -> None:
    register_urls("apps.audit.urls")
    register_section(
        Section(
            key="audit",
            title=_("Audit"),
            url_name="admin_center:audit",
            order=30,
            text=_("Who did what and when; export it; check the log has not been tampered with."),
            active=("admin_center:audit*", "admin_center:chain"),
        )
    )
    register_urls("apps.audit.admin_pages.webhook_urls", prefix="webhooks/")
    register_section(
        Section(
            key="webhooks",
            title=_("Webhooks"),
            url_name="admin_webhooks:home",
            order=50,
            text=_("Tell your other systems when something happens: signed messages, retried, replayable."),
            active=("admin_webhooks:*",),
        )
    )
    register_figure(
        Figure(
            key="entries_today",
            label=_("audit entries today"),
            order=30,
            count=_entries_today,
            test_id="entries",
        )
    )
    register_panel(
        Panel(
            key="chain",
            template="admin_center/_overview_chain.html",
            context=lambda organization: {"chain": cache.get(chain_cache_key(organization))},
            order=40,
        )
    )
