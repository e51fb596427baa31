"""django-filter FilterSets shared by the lists, (later) search facets and exports."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .browsing import documents_for_place
from .models import Place, Practice, Recommendation, SearchEntry, SourceDocument, Theme
from .places import resolve_place, shown_name
from .text.query import tidy
from .widgets import QuickSelect


def within_place(queryset: QuerySet, *, place: Place, through) -> QuerySet:
    """Lessons linked to the place or to any place under it (one indexed subquery).

    The places are chosen first, then their links looked up by place_id: a
    condition on the joined place (adcode LIKE) made SQLite read every link.
    """
    places = Place.objects.filter(adcode__startswith=place.code_prefix).values("pk")
    linked = through.objects.filter(place__in=places)
    return newest_first_within(queryset, linked.values(through_field(through, queryset.model)), name="in_place")


def within_theme(queryset: QuerySet, *, theme: Theme, through) -> QuerySet:
    """Lessons filed under the theme or one of its sub-themes.

    As for places, the themes first: an OR across the link and the joined
    theme made SQLite read all 200,000 links of a 100,000-practice base.
    """
    # As literal ids: SQLite scanned every link for an IN over a subquery with an OR in it.
    themes = list(Theme.objects.filter(Q(pk=theme.pk) | Q(parent=theme)).values_list("pk", flat=True))
    linked = through.objects.filter(theme_id__in=themes)
    return newest_first_within(queryset, linked.values(through_field(through, queryset.model)), name="in_theme")


def newest_first_within(queryset: QuerySet, keys: QuerySet, *, name: str) -> QuerySet:
    """Rows whose key is in ``keys``, in a shape that lets SQLite walk the list's own index.

    Filtering on the bare primary key, SQLite starts from the link list (a
    popular theme's 30,000 links), reads each row and sorts them all to show
    twenty. On the computed ``pk + 0`` the list becomes a lookup table probed
    while walking the covering newest-first index, which stops at the page:
    a few hundred index entries for a common filter, at worst one pass over
    the index (no table rows) for a rare one. PostgreSQL chooses well between
    the two plans by itself, and on ``pk + 0`` lost the key lookup for short
    link lists, so it gets the plain condition.
    """
    if connections[queryset.db].vendor != "sqlite":
        return queryset.filter(pk__in=keys)
    return queryset.alias(**{name: F("pk") + 0}).filter(**{f"{name}__in": keys})


def through_field(through, model) -> str:
    return f"{model._meta.model_name}_id"


class PlaceField(forms.CharField):
    """Accepts an adcode, a name, a short name or an alias; cleans to a Place."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("地区名称或代码，如 湖北、420100")}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        """A facet link's code (330000) shows as the name it stands for (浙江省), where the name says the same."""
        return shown_name(value) if isinstance(value, str) else value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        place = resolve_place(value)
        if place is None:
            raise forms.ValidationError(_("没有找到地区“%(value)s”。"), code="invalid_place", params={"value": value})
        return place


class PlaceFilter(django_filters.Filter):
    field_class = PlaceField


def visible_documents(request) -> QuerySet[SourceDocument]:
    """Readers can neither filter by, nor so learn of, unpublished documents."""
    return SourceDocument.objects.visible_to(getattr(request, "user", None)).order_by("pk")


def sort_filter(*, choices: list[tuple[str, str]], default: str, method: str = "filter_sort") -> django_filters.Filter:
    """A list's 排序 control: ``default`` names the order used when none is chosen."""
    return django_filters.ChoiceFilter(
        label=_("排序"), choices=choices, empty_label=default, method=method, widget=QuickSelect
    )


class LessonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_text", max_length=200)
    place = PlaceFilter(label=_("地区"), method="filter_place")
    theme = django_filters.ModelChoiceFilter(
        label=_("主题"),
        queryset=Theme.objects.select_related("parent").order_by(
            Coalesce("parent__order", "order"),
            Coalesce("parent_id", "id"),
            F("parent_id").asc(nulls_first=True),
            "order",
        ),
        to_field_name="slug",
        widget=QuickSelect,
        empty_label=_("全部主题"),
        method="filter_theme",
        error_messages={"invalid_choice": _("没有这个主题。")},
    )
    # Free text, not a choice among existing tags: "no such tag" would tell readers which tags exist on drafts.
    tag = django_filters.CharFilter(
        label=_("标签"),
        method="filter_tag",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如 产学研联盟")}),
    )
    document = django_filters.ModelChoiceFilter(
        label=_("来源文献"),
        queryset=visible_documents,
        # Not a field readers fill in (a base holds thousands of documents, and a
        # number means nothing to them): the document pages and the search's
        # facets link here with it set, and it shows as a removable chip with
        # the document's title.
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("没有这篇文献。")},
    )

    text_fields: tuple[str, ...] = ("title", "body")

    def filter_text(self, queryset, name, value):
        for word in value.split():
            condition = Q()
            for field in self.text_fields:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset

    def filter_place(self, queryset, name, value):
        return within_place(queryset, place=value, through=queryset.model.places.through)

    def filter_theme(self, queryset, name, value):
        return within_theme(queryset, theme=value, through=queryset.model.themes.through)

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip())


class PracticeFilterSet(LessonFilterSet):
    text_fields = ("title", "summary", "body", "excerpt")
    # Newest first unless asked: both directions walk the list's (status, created_at) index.
    sort = sort_filter(choices=[("oldest", _("最早收录"))], default=_("最新收录"))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by("created_at", "pk") if value == "oldest" else queryset

    class Meta:
        model = Practice
        fields = ["q", "place", "theme", "tag", "document", "sort"]


class RecommendationFilterSet(LessonFilterSet):
    text_fields = ("title", "body", "audience")

    class Meta:
        model = Recommendation
        fields = ["q", "place", "theme", "tag", "document"]


class QueryField(forms.CharField):
    """A search box accepts anything: control characters (NUL included) are dropped, length is capped."""

    default_validators = []

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)
        self.validators = []

    def to_python(self, value):
        return tidy(super().to_python(value) or "")


class QueryFilter(django_filters.CharFilter):
    field_class = QueryField


class SearchFilterSet(django_filters.FilterSet):
    """The search page's filters: the lists' place, theme and document filters, plus the result type.

    Validation and the place lookup are shared with the lists; the matching
    itself is done by the full-text engine (experiences.search), not by ``qs``.
    """

    q = QueryFilter(label=_("关键词"), method="keep")
    type = django_filters.ChoiceFilter(
        label=_("类型"), choices=SearchEntry.Kind.choices, method="keep", empty_label=_("全部类型"), widget=QuickSelect
    )
    place = PlaceFilter(label=_("地区"), method="keep")
    theme = LessonFilterSet.base_filters["theme"]
    document = LessonFilterSet.base_filters["document"]
    drafts = django_filters.BooleanFilter(label=_("包括草稿"), method="keep", widget=forms.CheckboxInput)
    sort = sort_filter(choices=[("newest", _("最新收录或更新"))], default=_("按相关度"), method="keep")

    class Meta:
        model = SearchEntry
        fields = ["q", "type", "place", "theme", "document", "drafts", "sort"]

    def keep(self, queryset, name, value):
        return queryset


class DocumentFilterSet(django_filters.FilterSet):
    """The document list: words of the title or office, type, place (with the places under it), year, order."""

    q = django_filters.CharFilter(label=_("标题或单位"), method="filter_text", max_length=200)
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=SourceDocument.Kind.choices, empty_label=_("全部类型"), widget=QuickSelect
    )
    place = PlaceFilter(label=_("地区"), method="filter_place")
    year = django_filters.NumberFilter(
        label=_("年份"),
        field_name="published_year",
        widget=forms.NumberInput(attrs={"min": 1949, "max": 2100, "placeholder": _("如 2024")}),
    )
    sort = sort_filter(
        choices=[
            ("year", _("成文年份（新到旧）")),
            ("year_asc", _("成文年份（旧到新）")),
            ("oldest", _("最早收录")),
            ("title", _("标题")),
        ],
        default=_("最新收录"),
    )

    ORDERS = {
        "year": (F("published_year").desc(nulls_last=True), F("published_month").desc(nulls_last=True), "-pk"),
        "year_asc": (F("published_year").asc(nulls_last=True), F("published_month").asc(nulls_last=True), "pk"),
        "oldest": ("pk",),
        "title": ("title", "pk"),
    }

    class Meta:
        model = SourceDocument
        fields = ["q", "kind", "place", "year", "sort"]

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(organization__icontains=word))
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*self.ORDERS[value])

    def filter_place(self, queryset, name, value):
        return documents_for_place(value, visible=queryset).order_by(*queryset.query.order_by)
