from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExperiencesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "experiences"
    verbose_name = _("经验借鉴")

    def ready(self):
        from . import job_kinds, signals  # noqa: F401  (signals: connects the search index handlers)

        job_kinds.register()
