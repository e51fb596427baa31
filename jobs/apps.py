from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the queue configuration check)
