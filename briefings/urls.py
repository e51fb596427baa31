from django.urls import path

from . import views

app_name = "briefings"

urlpatterns = [
    path("export/", views.export, name="export"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/add", views.collection_add, name="collection_add"),
    path("collections/<int:pk>/", views.collection_detail, name="collection_detail"),
    path("collections/<int:pk>/delete", views.collection_delete, name="collection_delete"),
    path("collections/<int:pk>/items/<int:item_pk>/move", views.collection_move, name="collection_move"),
    path("collections/<int:pk>/items/<int:item_pk>/remove", views.collection_remove, name="collection_remove"),
]
