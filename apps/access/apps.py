from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
    verbose_name = "Access: organizations, members and roles"

    def ready(self) -> None:
        from apps.access.admin_center import overview
        from apps.access.admin_pages import sections as admin_sections
        from apps.access.hooks import record_rate_limit_block
        from apps.core.ratelimit import register_block_observer

        register_block_observer(record_rate_limit_block)
        overview.register()
        admin_sections.register()
        from apps.access import auth_cache

        auth_cache.connect()
        from apps.access import (
            personal_data,  # noqa: F401 - registers access's personal-data handler
            sessions,  # noqa: F401 - connects the session bookkeeping receivers
        )
