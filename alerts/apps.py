from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("订阅")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import digests

        digests.register()  # the digests' job kind (jobs.kinds)
