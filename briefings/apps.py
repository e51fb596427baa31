from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "briefings"
    verbose_name = _("汇编与导出")

    def ready(self) -> None:
        from . import checks, exporting  # noqa: F401  (checks: registers the PDF toolchain check)

        exporting.register()
        from experiences import history

        from .models import Collection, CollectionItem

        history.register(Collection)
        history.register(CollectionItem)
