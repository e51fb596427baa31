from django.urls import path

from . import views

app_name = "experiences"

urlpatterns = [
    path("", views.home, name="home"),
    path("places/", views.place_list, name="place_list"),
    path("places/<str:adcode>/", views.place_detail, name="place_detail"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme_detail"),
    path("practices/", views.practice_list, name="practice_list"),
    path("practices/<int:pk>/", views.practice_detail, name="practice_detail"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
]
