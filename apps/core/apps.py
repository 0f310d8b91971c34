from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel every app stands on: no models, no knowledge of tenants or roles."""

    name = "apps.core"
    label = "core"
    verbose_name = "Core: errors, envelope, request context, logging, rate limits, health, CSV"
