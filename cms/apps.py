from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from cms import system_checks  # noqa: F401  (registers the checks)
