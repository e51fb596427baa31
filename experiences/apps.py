from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExperiencesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "experiences"
    verbose_name = _("经验借鉴")

    def ready(self):
        from . import content, history, job_kinds
        from .models import Place, PlaceAlias, Practice, Recommendation, Section, SourceDocument, Theme

        job_kinds.register()
        content.connect_guard()
        # The duplicate sketch is derived from the text and large: not kept in history.
        history.register(SourceDocument, exclude=["fingerprint"])
        for model in (Section, Practice, Recommendation, Place, PlaceAlias, Theme):
            history.register(model)
