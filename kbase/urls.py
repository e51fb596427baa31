from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .views import healthz, robots_txt

admin.site.site_header = _("经验借鉴知识库 · 管理")
admin.site.site_title = _("经验借鉴知识库")
admin.site.index_title = _("内容管理")

handler500 = "kbase.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("", include("jobs.urls")),
    path("", include("briefings.urls")),
    path("", include("experiences.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
