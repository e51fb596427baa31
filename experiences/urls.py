from django.urls import path, register_converter

from . import views


class AdcodeConverter:
    """Six digits (GB/T 2260): anything else is a 404 before it reaches the database."""

    regex = "[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AdcodeConverter, "adcode")

app_name = "experiences"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("search/suggest", views.search_suggest, name="search_suggest"),
    path("places/", views.place_list, name="place_list"),
    path("places/<adcode:adcode>/", views.place_detail, name="place_detail"),
    path("compare/", views.compare, name="compare"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme_detail"),
    path("practices/", views.practice_list, name="practice_list"),
    path("practices/<int:pk>/", views.practice_detail, name="practice_detail"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
]
