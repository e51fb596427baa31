from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from experiences.admin_content import ContentAdmin

from .models import Collection, CollectionItem


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 0
    fields = ["order", "practice", "recommendation", "added_at"]
    readonly_fields = ["added_at"]
    autocomplete_fields = ["practice", "recommendation"]
    ordering = ["order", "pk"]


@admin.register(Collection)
class CollectionAdmin(ContentAdmin):
    list_display = ["title", "owner", "shared", "item_count", "updated_at"]
    list_filter = ["shared", "owner"]
    search_fields = ["title", "introduction", "owner__username"]
    autocomplete_fields = ["owner"]
    inlines = [CollectionItemInline]
    date_hierarchy = "updated_at"

    @admin.display(description=_("条目数"), ordering="item_total")
    def item_count(self, obj: Collection) -> int:
        return obj.item_total

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").annotate(item_total=Count("items"))

    def save_model(self, request, obj, form, change):
        if not change and not obj.owner_id:
            obj.owner = request.user
        super().save_model(request, obj, form, change)
