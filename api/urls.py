from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import jobs, pages, views

app_name = "api"

router = DefaultRouter()
router.register("places", views.PlaceViewSet, basename="place")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("practices", views.PracticeViewSet, basename="practice")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("collections", views.CollectionViewSet, basename="collection")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/v1/search/", views.SearchView.as_view(), name="search"),
    path("api/v1/imports/", jobs.ImportListView.as_view(), name="imports"),
    path("api/v1/imports/<int:pk>/", jobs.ImportDetailView.as_view(), name="import"),
    path("api/v1/imports/<int:pk>/confirm/", jobs.ImportConfirmView.as_view(), name="import_confirm"),
    path("api/v1/exports/", jobs.ExportView.as_view(), name="exports"),
    path("api/v1/jobs/<int:pk>/", jobs.JobView.as_view(), name="job"),
    path("api/v1/jobs/<int:pk>/download/", jobs.JobDownloadView.as_view(), name="job_download"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline scripts.
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("accounts/tokens/", pages.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
