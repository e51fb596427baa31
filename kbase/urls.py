from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from experiences.admin_review import review_queue
from experiences.autocomplete import PlaceAwareAutocompleteView

from .views import favicon, healthz, robots_txt

admin.site.site_header = _("经验借鉴知识库 · 管理")
admin.site.site_title = _("经验借鉴知识库")
admin.site.index_title = _("内容管理")

handler500 = "kbase.views.server_error"

urlpatterns = [
    path("admin/review/", admin.site.admin_view(review_queue), name="review_queue"),
    # Django's own autocomplete view, with namesake places told apart (鼓楼区（江苏·南京）).
    path(
        "admin/autocomplete/",
        admin.site.admin_view(PlaceAwareAutocompleteView.as_view(admin_site=admin.site)),
        name="place_aware_autocomplete",
    ),
    path("admin/", admin.site.urls),
    # Readers sign in here, not in the admin (which is for editors, reviewers and administrators).
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The interface's texts for static/js (gettext, interpolate): a script from this origin, as the CSP wants.
    # Kept by browsers for a day: its URL names the language (base.html adds ?l=…), so a switch loads afresh.
    path("jsi18n/", cache_control(max_age=86400)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Browsers ask for /favicon.ico wherever a page names no icon (the admin's pages, a PDF): the site's icon.
    path("favicon.ico", favicon, name="favicon"),
    path("", include("api.urls")),
    path("", include("jobs.urls")),
    path("", include("briefings.urls")),
    path("", include("experiences.urls")),
    path("", include("alerts.urls")),  # after experiences.urls, which registers the adcode converter
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
