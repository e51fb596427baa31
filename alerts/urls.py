from django.urls import path

from . import feeds, views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.saved_list, name="saved_list"),
    path("alerts/save/", views.save, name="save"),
    path("alerts/<int:pk>/", views.update, name="update"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("feeds/latest/", feeds.LessonFeed(), name="latest_feed"),
    path("feeds/places/<adcode:adcode>/", feeds.PlaceFeed(), name="place_feed"),
    path("feeds/themes/<slug:slug>/", feeds.ThemeFeed(), name="theme_feed"),
    path("feeds/saved/<str:token>/", feeds.SavedSearchFeed(), name="saved_feed"),
]
