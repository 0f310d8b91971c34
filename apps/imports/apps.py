from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "apps.imports"
    label = "imports"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from apps.access.admin_center import Section, register_section
        from apps.access.hooks import register_demo_seeder
        from apps.imports import (
            audit_wording,
            personal_data,  # noqa: F401 - registers imports' personal-data handler
            tasks,  # noqa: F401 - registers the tasks that queue.py calls by name
        )
        from apps.imports.demo import seed_demo_imports

        register_demo_seeder(seed_demo_imports)
        audit_wording.register()

        from apps.attendance.hooks import register_pending_work_reporter
        from apps.imports.selectors import imports_running

        register_pending_work_reporter(imports_running)
        # The Import Center is its own page; the Admin Center links to it (a tab and a card).
        register_section(
            Section(
                key="imports",
                title=_("Import Center"),
                url_name="imports:center",
                order=90,
                text=_("Bring attendance in from DingTalk or the template, and roll batches back."),
                active=("imports:*",),
            )
        )
