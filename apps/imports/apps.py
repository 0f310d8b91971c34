from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "apps.imports"
    label = "imports"

    def ready(self) -> None:
        from apps.imports import personal_data  # noqa: F401 - registers imports' personal-data handler
