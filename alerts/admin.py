from django.contrib import admin

from .models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "source", "frequency", "last_sent_at", "created_at"]
    list_filter = ["frequency", "source"]
    search_fields = ["name", "query", "user__username"]
    readonly_fields = ["sent_until", "last_sent_at", "created_at"]
    exclude = ["feed_token"]
