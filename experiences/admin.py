"""Curation in the Django admin (in Chinese)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from . import content
from .admin_content import ContentAdmin
from .admin_workflow import REVIEW_FIELDS, WorkflowAdmin
from .models import (
    Place,
    PlaceAlias,
    PlaceMention,
    Practice,
    Recommendation,
    SearchEntry,
    Section,
    SourceDocument,
    Theme,
)


class PlaceAliasInline(admin.TabularInline):
    model = PlaceAlias
    extra = 0


@admin.register(Place)
class PlaceAdmin(ContentAdmin):
    list_display = ["name", "adcode", "short_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "short_name", "adcode", "pinyin", "aliases__name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    inlines = [PlaceAliasInline]
    show_full_result_count = False


@admin.register(PlaceAlias)
class PlaceAliasAdmin(ContentAdmin):
    list_display = ["name", "place", "note"]
    search_fields = ["name", "place__name"]
    autocomplete_fields = ["place"]
    list_select_related = ["place"]


@admin.register(Theme)
class ThemeAdmin(ContentAdmin):
    list_display = ["name", "parent", "slug", "order", "practice_count"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {}
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["parent__order", "order"]

    def get_queryset(self, request):
        # select_related: autocomplete shows "parent › child" for every result.
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .annotate(_practice_count=Count("practices", distinct=True))
        )

    @admin.display(description=_("经验做法数"), ordering="_practice_count")
    def practice_count(self, obj):
        return obj._practice_count


class SectionInline(admin.TabularInline):
    """The document's outline as a curator reads it: number, heading, and the section it sits under.

    Character offsets and raw parent ids mean nothing to a curator; they stay
    on each section's own page (the change link) for the rare repair.
    """

    model = Section
    fk_name = "document"
    fields = ["label", "heading", "order", "under"]
    readonly_fields = ["under"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # a section is a span of the text: added on its own page, with its offsets

    @admin.display(description=_("上级章节"))
    def under(self, obj):
        return str(obj.parent) if obj.parent_id else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").order_by("start", "pk")


@admin.register(SourceDocument)
class SourceDocumentAdmin(WorkflowAdmin, ContentAdmin):
    list_display = ["title", "kind", "organization", "published_display", "status", "duplicate_of", "similarity"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "subtitle", "authors", "organization", "publisher"]
    autocomplete_fields = ["places", "duplicate_of"]
    readonly_fields = ["content_hash", "created_at", "updated_at"]
    list_select_related = ["duplicate_of"]
    inlines = [SectionInline]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "kind", "status"]}),
        (_("出处"), {"fields": ["authors", "organization", "published_year", "published_month", "publisher"]}),
        (_("正文"), {"fields": ["text", "original_file", "places"]}),
        (_("查重"), {"fields": ["content_hash", "duplicate_of", "similarity"]}),
        (_("审核"), {"fields": REVIEW_FIELDS}),
        (_("其他"), {"fields": ["notes", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("时间"))
    def published_display(self, obj):
        return obj.published_display

    def save_model(self, request, obj, form, change):
        if not change or "text" in form.changed_data:
            obj.fingerprint_text()  # new imports are compared with the text as it now reads
        super().save_model(request, obj, form, change)


@admin.register(Section)
class SectionAdmin(ContentAdmin):
    list_display = ["__str__", "document", "parent", "start", "end"]
    list_filter = [("document", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["heading", "label", "document__title"]
    autocomplete_fields = ["document"]
    raw_id_fields = ["parent"]
    list_select_related = ["document", "parent"]


class LessonAdmin(WorkflowAdmin, ContentAdmin):
    list_filter = ["status", "themes", ("document", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["places", "themes", "document", "section"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["document"]
    save_on_top = True

    @admin.display(description=_("地区"))
    def place_names(self, obj):
        return "、".join(p.name for p in obj.places.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("places")


@admin.register(Practice)
class PracticeAdmin(LessonAdmin):
    list_display = ["title", "place_names", "document", "status", "public", "updated_at"]
    search_fields = ["title", "summary", "body", "excerpt", "places__name"]
    fieldsets = [
        (None, {"fields": ["title", "summary", "body", "status"]}),
        (_("分类"), {"fields": ["places", "themes", "tags"]}),
        (_("出处"), {"fields": ["document", "section", "excerpt"]}),
        (_("审核"), {"fields": REVIEW_FIELDS}),
        (_("时间"), {"fields": ["created_at", "updated_at"]}),
    ]


class ChildRecommendationFormSet(BaseInlineFormSet):
    """Sub-points belong to their parent's document, so their excerpt is validated against it."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.document_id = self.instance.document_id
        return form


class RecommendationChildInline(admin.StackedInline):
    model = Recommendation
    fk_name = "parent"
    formset = ChildRecommendationFormSet
    fields = ["order", "label", "title", "body", "section", "excerpt", "themes", "derived_from", "status"]
    readonly_fields = ["status"]  # a sub-point moves through the workflow on its own page
    autocomplete_fields = ["section", "themes", "derived_from"]
    extra = 0
    show_change_link = True
    verbose_name = _("分项建议")
    verbose_name_plural = _("分项建议")


@admin.register(Recommendation)
class RecommendationAdmin(LessonAdmin):
    list_display = ["__str__", "audience", "parent", "document", "status", "public", "updated_at"]
    search_fields = ["title", "body", "audience", "excerpt"]
    autocomplete_fields = [*LessonAdmin.autocomplete_fields, "derived_from", "parent"]
    list_select_related = ["document", "parent"]
    inlines = [RecommendationChildInline]
    fieldsets = [
        (None, {"fields": ["label", "title", "body", "audience", "status"]}),
        (_("层级"), {"fields": ["parent", "order"]}),
        (_("分类"), {"fields": ["places", "themes", "tags"]}),
        (_("溯源"), {"fields": ["derived_from", "document", "section", "excerpt"]}),
        (_("审核"), {"fields": REVIEW_FIELDS}),
        (_("时间"), {"fields": ["created_at", "updated_at"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        content.move_sub_points(form.instance)


from . import admin_import  # noqa: E402,F401  (registers the import pages)


@admin.register(PlaceMention)
class PlaceMentionAdmin(admin.ModelAdmin):
    """Where the importer found each place: for checking place detection on a document."""

    list_display = ["surface", "place", "document", "start"]
    list_filter = [("document", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["surface", "place__name", "document__title"]
    list_select_related = ["place", "document"]
    autocomplete_fields = ["place", "document"]


@admin.register(SearchEntry)
class SearchEntryAdmin(admin.ModelAdmin):
    """The search index, read-only: to see what a document or lesson was indexed as."""

    list_display = ["__str__", "kind", "document", "published"]
    list_filter = ["kind", "published"]
    search_fields = ["title"]
    list_select_related = ["document"]
    readonly_fields = ["kind", "object_id", "document", "published", "title", "body", "tags", "chars"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # derived rows: rebuilt by 重建搜索索引, never edited by hand
