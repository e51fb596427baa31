"""What to export: a selection of lessons, built from the same parameters as the pages that show them.

A selection is an ordered list of (kind, id) pairs plus the words that
describe it on the cover. It is built with the lists' and search's own
FilterSets and visibility rules, so an export holds exactly what the user
was looking at, never more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

from experiences import search
from experiences.browsing import points_of
from experiences.filters import (
    LessonFilterSet,
    PracticeFilterSet,
    RecommendationFilterSet,
    SearchFilterSet,
    within_place,
    within_theme,
)
from experiences.models import Place, Practice, Recommendation, SearchEntry, Theme, sees_unpublished

from .models import Collection

PRACTICE = "practice"
RECOMMENDATION = "recommendation"


class SelectionError(Exception):
    """The parameters do not describe an exportable selection; the message says why, in Chinese."""


class SelectionTooLarge(SelectionError):
    def __init__(self, *, count: int, limit: int, more: bool = False):
        self.count, self.limit = count, limit
        message = (
            _("所选内容超过 %(count)d 条，超过了单次导出的上限 %(limit)d 条。请增加筛选条件缩小范围，或分批导出。")
            if more  # a search counts only up to KBASE_SEARCH_EXACT_TOTAL
            else _("所选内容共 %(count)d 条，超过了单次导出的上限 %(limit)d 条。请增加筛选条件缩小范围，或分批导出。")
        )
        super().__init__(message % {"count": count, "limit": limit})


class NotFound(SelectionError):
    """The lesson, place, theme or collection does not exist or is not visible to this user."""


@dataclass
class Selection:
    title: str
    criteria: list[str] = field(default_factory=list)
    items: list[tuple[str, int]] = field(default_factory=list)
    introduction: str = ""
    # Collections and search results have a meaningful order; a grouping of "none" keeps it.
    default_grouping: str = "theme"
    # A place export files a lesson linked to several places under the one inside that place.
    place_prefix: str = ""

    @property
    def empty(self) -> bool:
        return not self.items

    @property
    def practice_count(self) -> int:
        return sum(1 for kind, _pk in self.items if kind == PRACTICE)

    @property
    def recommendation_count(self) -> int:
        return sum(1 for kind, _pk in self.items if kind == RECOMMENDATION)


def _limit() -> int:
    return settings.KBASE_EXPORT_MAX_ITEMS


def _take(kind: str, queryset, *, already: int = 0) -> list[tuple[str, int]]:
    """The ids of a queryset, refused before loading if the selection would exceed the limit."""
    count = queryset.count()
    if already + count > _limit():
        raise SelectionTooLarge(count=already + count, limit=_limit())
    return [(kind, pk) for pk in queryset.values_list("pk", flat=True)]


def _visible(user) -> tuple:
    return Practice.objects.visible_to(user), Recommendation.objects.visible_to(user)


def _listed(recommendations, *, user):
    """As the lists show them: top-level points, each with its sub-points printed under it."""
    return points_of(recommendations, visible=Recommendation.objects.visible_to(user))


def for_lesson(*, kind: str, pk: int, user) -> Selection:
    practices, recommendations = _visible(user)
    queryset = practices if kind == PRACTICE else recommendations
    lesson = queryset.filter(pk=pk).first()
    if lesson is None:
        raise NotFound(_("没有找到这条内容，或您无权查看。"))
    return Selection(title=str(lesson), criteria=[_("单条导出")], items=[(kind, lesson.pk)])


def _page_lessons(*, user, narrow) -> list[tuple[str, int]]:
    """A place or theme page's lessons, in its order: ``narrow(queryset, through)`` keeps the linked ones."""
    practices, recommendations = _visible(user)
    items = _take(PRACTICE, narrow(practices, Practice).order_by("-created_at", "-pk"))
    linked = _listed(narrow(recommendations, Recommendation), user=user).order_by("document_id", "order", "pk")
    return items + _take(RECOMMENDATION, linked, already=len(items))


def for_place(*, place: Place, user) -> Selection:
    items = _page_lessons(
        user=user, narrow=lambda qs, model: within_place(qs, place=place, through=model.places.through)
    )
    name = place.qualified_name
    return Selection(
        title=_("%(place)s经验借鉴汇编") % {"place": name},
        criteria=[_("地区：%(place)s（含下辖地区）") % {"place": name}],
        items=items,
        default_grouping="theme",
        place_prefix=place.code_prefix,
    )


def for_theme(*, theme: Theme, user) -> Selection:
    items = _page_lessons(
        user=user, narrow=lambda qs, model: within_theme(qs, theme=theme, through=model.themes.through)
    )
    return Selection(
        title=_("兄弟城市%(theme)s经验汇编") % {"theme": theme.name},
        criteria=[_("主题：%(theme)s") % {"theme": theme}],
        items=items,
        default_grouping="place",
    )


def for_comparison(*, data: QueryDict, user) -> Selection:
    """A comparison's practices (experiences.comparing), filed by place: each city's column becomes a chapter."""
    from experiences.comparing import MIN_PLACES, CompareForm, practices_in

    form = CompareForm(data)
    if not form.is_valid() or len(form.cleaned_data["places"]) < MIN_PLACES:
        errors = [str(e) for errors in form.errors.values() for e in errors] if form.errors else []
        raise SelectionError(" ".join(errors) or _("请至少选择两个地区进行对比。"))
    places, theme, query = (form.cleaned_data[k] for k in ("places", "theme", "q"))
    practices, _recommendations = _visible(user)
    items: list[tuple[str, int]] = []
    for place in places:
        selected = practices_in(place, theme=theme, query=query, practices=practices).order_by("-created_at", "-pk")
        taken = {pk for _kind, pk in items}
        items += [item for item in _take(PRACTICE, selected, already=len(items)) if item[1] not in taken]
    names = "、".join(p.name for p in places)
    criteria = [_("对比地区：%(places)s（含下辖地区）") % {"places": "、".join(p.qualified_name for p in places)}]
    if theme is not None:
        criteria.append(_("主题：%(theme)s") % {"theme": theme})
    if query:
        criteria.append(_("关键词：%(q)s") % {"q": query})
    return Selection(
        title=_("%(places)s经验对比") % {"places": names}, criteria=criteria, items=items, default_grouping="place"
    )


def describe(form, names: tuple[str, ...]) -> list[str]:
    """The cover's "what was selected": each filled-in filter with its label, as the user typed or chose it."""
    lines = []
    for name in names:
        value = form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if isinstance(value, Place):
            value = value.qualified_name
        elif name == "type":
            value = SearchEntry.Kind(value).label
        lines.append(f"{form.fields[name].label}：{value}")
    return lines


def _bound(filterset_class, data: QueryDict, user, *, queryset):
    filterset = filterset_class(data, queryset=queryset, request=SimpleNamespace(user=user))
    if not filterset.is_valid():
        messages = [str(m) for errors in filterset.form.errors.values() for m in errors]
        raise SelectionError(" ".join(messages) or _("筛选条件无效。"))
    return filterset


def for_list(*, kind: str, data: QueryDict, user) -> Selection:
    """The practice or recommendation list exactly as filtered on the page (``kind`` is the list's name)."""
    practices, recommendations = _visible(user)
    if kind == "practices":
        filterset = _bound(PracticeFilterSet, data, user, queryset=practices.order_by("-created_at", "-pk"))
        items, title = _take(PRACTICE, filterset.qs), _("经验做法汇编")
    else:
        filterset = _bound(RecommendationFilterSet, data, user, queryset=recommendations)
        points = _listed(filterset.qs, user=user).order_by("document_id", "order", "pk")
        items, title = _take(RECOMMENDATION, points), _("启示建议汇编")
    criteria = describe(filterset.form, tuple(LessonFilterSet.base_filters))
    return Selection(title=title, criteria=criteria or [_("全部")], items=items)


def for_search(*, data: QueryDict, user) -> Selection:
    """The search results page's lessons, in relevance order (document sections are not lessons: skipped)."""
    staff = sees_unpublished(user)
    filterset = _bound(SearchFilterSet, data, user, queryset=SearchEntry.objects.none())
    cleaned = filterset.form.cleaned_data
    query = search.understand(cleaned.get("q") or "")
    if query.empty:
        raise SelectionError(_("请先输入搜索词。"))
    if cleaned.get("type") == SearchEntry.Kind.SECTION:
        raise SelectionError(_("原文章节不能导出为简报，请选择经验做法或启示建议。"))
    filters = replace(search.Filters.from_form(cleaned, staff=staff), newest_first=False)  # in relevance order
    items = _ranked_lessons(query, filters)
    criteria = describe(filterset.form, ("q", "type", "place", "theme", "document"))
    return Selection(
        title=_("“%(q)s”相关经验汇编") % {"q": cleaned.get("q")},
        criteria=criteria,
        items=items,
        default_grouping="none",
    )


def _ranked_lessons(query, filters: search.Filters) -> list[tuple[str, int]]:
    """The lesson hits in the search page's order, read in chunks; refused once past the limit."""
    items, offset, chunk = [], 0, _limit() + 1
    while True:
        hits = search.search(query, filters=filters, offset=offset, limit=chunk, totals=False).hits
        items += [(hit.kind, hit.object_id) for hit in hits if hit.kind in (PRACTICE, RECOMMENDATION)]
        if len(items) > _limit():
            kinds = [filters.kind] if filters.kind else [PRACTICE, RECOMMENDATION]
            found = [search.search(query, filters=replace(filters, kind=k), limit=0) for k in kinds]
            more = any(result.facets.get("more") for result in found)
            raise SelectionTooLarge(count=sum(result.total for result in found), limit=_limit(), more=more)
        if len(hits) < chunk:
            return items
        offset += chunk


def for_collection(*, collection: Collection, user) -> Selection:
    """A collection in its curated order; lessons the user may no longer see are left out."""
    practices, recommendations = _visible(user)
    rows = list(collection.items.values_list("practice_id", "recommendation_id"))
    if len(rows) > _limit():
        raise SelectionTooLarge(count=len(rows), limit=_limit())
    seen_practices = set(practices.filter(pk__in=[p for p, _r in rows if p]).values_list("pk", flat=True))
    seen_recommendations = set(recommendations.filter(pk__in=[r for _p, r in rows if r]).values_list("pk", flat=True))
    items = [
        (PRACTICE, p) if p else (RECOMMENDATION, r)
        for p, r in rows
        if (p and p in seen_practices) or (r and r in seen_recommendations)
    ]
    return Selection(
        title=collection.title,
        criteria=[_("汇编：%(title)s") % {"title": collection.title}],
        items=items,
        introduction=collection.introduction,
        default_grouping="none",
    )


ADCODE = re.compile(r"[0-9]{6}")
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")

# Parameters that steer the export itself, not which lessons are selected.
CONTROL_PARAMETERS = (
    "source", "id", "adcode", "slug", "format", "group", "title", "page", "rpage", "download_token"
)  # fmt: skip


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(_("没有找到要导出的内容。")) from None


def from_parameters(data: QueryDict, *, user) -> Selection:
    """The selection named by an export URL: ``source`` plus what that page itself takes."""
    source = data.get("source", "")
    filters = data.copy()
    for key in CONTROL_PARAMETERS:
        filters.pop(key, None)
    if source in (PRACTICE, RECOMMENDATION):
        return for_lesson(kind=source, pk=_pk(data.get("id")), user=user)
    if source == "place":
        adcode = data.get("adcode", "")
        place = (
            Place.objects.select_related("parent__parent").filter(adcode=adcode).first()
            if ADCODE.fullmatch(adcode)
            else None
        )
        if place is None:
            raise NotFound(_("没有找到这个地区。"))
        return for_place(place=place, user=user)
    if source == "theme":
        slug = data.get("slug", "")
        theme = Theme.objects.select_related("parent").filter(slug=slug).first() if SLUG.fullmatch(slug) else None
        if theme is None:
            raise NotFound(_("没有找到这个主题。"))
        return for_theme(theme=theme, user=user)
    if source in ("practices", "recommendations"):
        return for_list(kind=source, data=filters, user=user)
    if source == "search":
        return for_search(data=filters, user=user)
    if source == "compare":
        return for_comparison(data=filters, user=user)
    if source == "collection":
        collection = Collection.objects.visible_to(user).filter(pk=_pk(data.get("id"))).first()
        if collection is None:
            raise NotFound(_("没有找到这个汇编，或您无权查看。"))
        return for_collection(collection=collection, user=user)
    raise SelectionError(_("请从地区、主题、列表、搜索结果、对比或汇编页面进入导出。"))
