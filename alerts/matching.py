"""What a saved search finds among the lessons published in a time window (digests and feeds).

Only published lessons of published documents: what every reader may see,
hence what the owner may see whoever they are. A search's conditions go
through the search page's FilterSet and engine; a list's through the list's
FilterSet, exactly as the pages apply them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.http import QueryDict

from experiences import search
from experiences.filters import PracticeFilterSet, RecommendationFilterSet, SearchFilterSet
from experiences.models import Practice, Recommendation, SearchEntry

from .models import SavedSearch

LIMIT = 200  # lessons per digest or feed; the mail says when there were more
# A search's matches of each kind are read newest first (publishing re-indexes a lesson, so the
# newly published come first) up to this many; a window's new lessons are found among them. Right
# after a full index rebuild (which indexes by id) a lesson published that day with an old id could
# rank below them: a base where thousands of newer lessons match one saved search.
SCAN = 2000
FILTERSETS = {"practice": (Practice, PracticeFilterSet), "recommendation": (Recommendation, RecommendationFilterSet)}


@dataclass
class Found:
    lessons: list  # Practice and Recommendation instances, newest published first
    more: bool  # more than LIMIT were new


class InvalidConditions(Exception):
    """The saved conditions no longer validate (a place or theme was removed): the owner is told."""


def kinds_of(saved: SavedSearch) -> list[str]:
    return {
        SavedSearch.Source.PRACTICES: ["practice"],
        SavedSearch.Source.RECOMMENDATIONS: ["recommendation"],
    }.get(saved.source, ["practice", "recommendation"])


def published_between(saved: SavedSearch, *, after: datetime | None, until: datetime) -> Found:
    """The lessons the saved conditions match that were published in (after, until]."""
    params = QueryDict(saved.query)
    window = {"published_at__lte": until} | ({"published_at__gt": after} if after else {})
    owner = SimpleNamespace(user=saved.user)
    search_conditions = _search_conditions(params, owner) if saved.source == SavedSearch.Source.SEARCH else None
    found = []
    for kind in kinds_of(saved):
        model, filterset_class = FILTERSETS[kind]
        published = model.objects.published().filter(**window)
        if search_conditions is not None:
            rows = published.filter(pk__in=_search_candidates(*search_conditions, kind=kind))
        else:
            filterset = filterset_class(_list_params(params), queryset=published, request=owner)
            if not filterset.is_valid():
                raise InvalidConditions(filterset.errors)
            rows = filterset.qs
        found += rows.select_related("document").order_by("-published_at", "-pk")[: LIMIT + 1]
    found.sort(key=lambda lesson: (lesson.published_at, lesson.pk), reverse=True)
    return Found(lessons=found[:LIMIT], more=len(found) > LIMIT)


def _list_params(params: QueryDict) -> QueryDict:
    params = params.copy()
    for key in ("page", "rpage", "sort"):
        params.pop(key, None)
    return params


def _search_conditions(params: QueryDict, owner) -> tuple:
    """The saved search's query and filters, validated as the search page validates them."""
    filterset = SearchFilterSet(params, queryset=SearchEntry.objects.none(), request=owner)
    if not filterset.is_valid():
        raise InvalidConditions(filterset.errors)
    data = filterset.form.cleaned_data
    query = search.understand(data.get("q") or "")
    if query.empty:
        raise InvalidConditions({"q": ["empty"]})
    # Published lessons only, newest first: what a window's new lessons are found among.
    filters = dataclasses.replace(search.Filters.from_form(data, staff=False), newest_first=True)
    return query, filters


def _search_candidates(query, filters: search.Filters, *, kind: str) -> list[int]:
    """This kind's newest matches (sections, which no digest lists, never take their place)."""
    if filters.kind not in (None, kind):
        return []
    hits = search.search(query, filters=dataclasses.replace(filters, kind=kind), limit=SCAN, totals=False).hits
    return [hit.object_id for hit in hits]
