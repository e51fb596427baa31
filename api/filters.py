"""The pages' FilterSets, as the API takes them: the same filters and validation; ``sort`` picks the cursor's way."""

from __future__ import annotations

import copy

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from experiences import filters as pages


def _cursor_sort():
    return django_filters.ChoiceFilter(
        label=_("排序"), choices=[("oldest", _("最早收录"))], empty_label=_("最新收录"), method="by_cursor"
    )


def _described(filter_, description: str):
    """A copy of a page's filter that tells the schema what it takes (names and codes, not model ids)."""
    described = copy.deepcopy(filter_)
    return extend_schema_field({"type": "string", "description": description})(described)


PLACE = "地区名称、简称、别名或代码，如 湖北、420100（含下级地区）"
THEME = "主题标识，如 talent（含下级主题）"


class CursorSorted:
    """The order is the cursor pagination's (api.pagination), which reads ``sort`` itself."""

    def by_cursor(self, queryset, name, value):
        return queryset


class PracticeFilterSet(CursorSorted, pages.PracticeFilterSet):
    place = _described(pages.PracticeFilterSet.base_filters["place"], PLACE)
    theme = _described(pages.PracticeFilterSet.base_filters["theme"], THEME)
    sort = _cursor_sort()


class RecommendationFilterSet(CursorSorted, pages.RecommendationFilterSet):
    place = _described(pages.RecommendationFilterSet.base_filters["place"], PLACE)
    theme = _described(pages.RecommendationFilterSet.base_filters["theme"], THEME)
    sort = _cursor_sort()

    class Meta(pages.RecommendationFilterSet.Meta):
        fields = [*pages.RecommendationFilterSet.Meta.fields, "sort"]


class DocumentFilterSet(CursorSorted, pages.DocumentFilterSet):
    place = _described(pages.DocumentFilterSet.base_filters["place"], PLACE)
    sort = _cursor_sort()
