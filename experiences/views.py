"""Public pages. Thin: querying lives in browsing.py, filters.py and reading.py."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from . import browsing, comparing, counting, overview, places, reading, search
from .caching import CachedCountPaginator, cached, content_version
from .filters import (
    DocumentFilterSet,
    PracticeFilterSet,
    RecommendationFilterSet,
    SearchFilterSet,
    within_place,
    within_theme,
)
from .models import Place, Practice, Recommendation, SearchEntry, SourceDocument, Theme, sees_unpublished
from .search import results as search_results


class Visible:
    """What this request's user may see: everything for staff, published items for readers."""

    def __init__(self, request: HttpRequest):
        user = request.user
        self.staff = sees_unpublished(user)
        self.practices = browsing.visible_lessons(Practice, user)
        self.recommendations = browsing.visible_lessons(Recommendation, user)
        self.documents = SourceDocument.objects.visible_to(user)
        self.variant = counting.audience(user)

    def lesson_filter(self, relation: str) -> Q:
        """Which of a document's lessons count (the document itself is already visible)."""
        return Q() if self.staff else Q(**{f"{relation}__status": "published"})

    def counts(self, group: str) -> dict[tuple[str, str], int]:
        """Maintained counts this user sees (experiences.counting): one query per group and content version."""
        return cached(f"lesson-counts-{group}", lambda: counting.read(self.variant, group), variant=self.variant)

    def place_counts(self):
        """Every counted place (/places/ only: thousands of objects, so kept in this process only)."""
        compute = lambda: browsing.place_counts_from(self.counts("places"))  # noqa: E731
        return cached("place-counts", compute, variant=self.variant, shared=False)

    def home_places(self) -> tuple[int, list]:
        return cached("home-places", lambda: browsing.home_places_from(self.counts("places")), variant=self.variant)

    def theme_tree(self):
        return cached("theme-tree", lambda: browsing.theme_tree_from(self.counts("themes")), variant=self.variant)

    def totals(self) -> dict[str, int]:
        counts = self.counts("totals")
        return {
            "practice_count": counts.get(("practice", "all"), 0),
            "recommendation_count": counts.get(("recommendation", "all"), 0),  # top-level points
            "subpoint_count": counts.get(("subpoint", "all"), 0),  # the sub-points within them
            "document_count": counts.get(("document", "all"), 0),
        }

    def overview(self) -> dict:
        """The map's and the charts' figures (experiences.overview), per content version."""
        return cached(
            "overview",
            lambda: overview.overview(
                counts=self.counts("places"),
                tree=self.theme_tree(),
                practices=self.practices,
                recommendations=self.recommendations,
            ).as_json(),
            variant=self.variant,
        )

    def lesson_count(self, kind: str, *, place: Place | None = None, theme: Theme | None = None) -> int:
        """How many lessons of a kind lie in a place (and under it), under a theme (and its sub-themes), or in all."""
        if place is not None:
            return self.counts("places").get((kind, f"place:{place.code_prefix}"), 0)
        if theme is not None:  # a first-level theme is counted with its sub-themes
            key = f"theme:{theme.pk}" if theme.parent_id else f"top:{theme.pk}"
            return self.counts("themes").get((kind, key), 0)
        return self.counts("totals").get((kind, "all"), 0)

    def related_keys(self, practice: Practice) -> list[int]:
        """A practice's related practices, per content version: ranking them reads hundreds of links."""
        compute = lambda: browsing.related_keys(practice, visible=self.practices)  # noqa: E731
        return cached("related", compute, variant=f"{self.variant}:{practice.pk}")

    def recommendation_cards(self, queryset):
        return browsing.recommendations_for_listing(browsing.in_reading_order(queryset), published_only=not self.staff)


def _page(request: HttpRequest, queryset, *, param: str = "page", fetch=None, count: int | None = None):
    """A page of a list: keys located on ``queryset``, rows read with ``fetch`` (see CachedCountPaginator)."""
    paginator = CachedCountPaginator(queryset, settings.KBASE_PAGE_SIZE, fetch=fetch, count=count)
    return paginator.get_page(request.GET.get(param))


def home(request: HttpRequest) -> HttpResponse:
    visible = Visible(request)
    place_count, top_places = visible.home_places()
    context = {
        **visible.totals(),
        "place_count": place_count,
        "themes": visible.theme_tree(),
        "top_places": top_places,
        "latest": browsing.practices_for_listing(visible.practices.order_by(*browsing.NEWEST_FIRST))[:6],
        "overview": visible.overview(),
    }
    return render(request, "experiences/home.html", context)


def place_list(request: HttpRequest) -> HttpResponse:
    visible = Visible(request)
    query = request.GET.get("q", "").strip()[:50]
    found = None
    if query:
        counts = visible.counts("places")
        found = [(place, browsing.place_count_from(place, counts)) for place in places.find_places(query, limit=30)]
    context = {
        "query": query,
        "found": found,
        # Thousands of places at scale: the rendered list is cached with the counts,
        # and grouping runs (the template calls it) only when the cache misses.
        "groups": lambda: browsing.places_by_province(visible.place_counts()),
        "cache_key": f"{visible.variant}:{content_version()}:{get_language()}",
        "overview": visible.overview(),
    }
    return render(request, "experiences/place_list.html", context)


def place_detail(request: HttpRequest, adcode: str) -> HttpResponse:
    place = get_object_or_404(Place.objects.select_related("parent__parent"), adcode=adcode)
    visible = Visible(request)
    counts = visible.counts("places")
    own = browsing.place_count_from(place, counts)
    practices = within_place(visible.practices, place=place, through=Practice.places.through)
    recommendations = browsing.points_of(
        within_place(visible.recommendations, place=place, through=Recommendation.places.through),
        visible=visible.recommendations,
    )
    context = {
        "place": place,
        "ancestors": place.ancestors(),
        "aliases": place.aliases.all(),
        "counts": own,
        "sub_places": browsing.sub_place_counts_from(place, counts),
        "practices": _page(
            request,
            practices.order_by(*browsing.NEWEST_FIRST),
            fetch=browsing.practices_for_listing,
            count=own.practices if own else 0,
        ),
        "recommendations": _page(
            request,
            browsing.in_reading_order(recommendations),
            param="rpage",
            fetch=visible.recommendation_cards,
            count=own.recommendations if own else 0,
        ),
        "documents": browsing.documents_for_place(place, visible=visible.documents),
    }
    return render(request, "experiences/place_detail.html", context)


def compare(request: HttpRequest) -> HttpResponse:
    """对比: two to five places side by side, by theme (experiences.comparing)."""
    form = comparing.CompareForm(request.GET or None)
    comparison, need_more = None, False
    if form.is_bound and form.is_valid():
        places = form.cleaned_data["places"]
        need_more = len(places) < comparing.MIN_PLACES
        if not need_more:
            visible = Visible(request)
            comparison = comparing.cached_comparison(
                places=places,
                theme=form.cleaned_data["theme"],
                query=form.cleaned_data["q"],
                practices=visible.practices,
                variant=visible.variant,
            )
    context = {
        "form": form,
        "comparison": comparison,
        "need_more": need_more,
        "limits": (comparing.MIN_PLACES, comparing.MAX_PLACES),
    }
    return render(
        request, "experiences/compare.html", context, status=200 if form.is_valid() or not form.is_bound else 400
    )


def theme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "experiences/theme_list.html", {"themes": Visible(request).theme_tree()})


def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    visible = Visible(request)
    practices = within_theme(visible.practices, theme=theme, through=Practice.themes.through)
    recommendations = browsing.points_of(
        within_theme(visible.recommendations, theme=theme, through=Recommendation.themes.through),
        visible=visible.recommendations,
    )
    context = {
        "theme": theme,
        "children": theme.children.all(),
        "practices": _page(
            request,
            practices.order_by(*browsing.NEWEST_FIRST),
            fetch=browsing.practices_for_listing,
            count=visible.lesson_count("practice", theme=theme),
        ),
        "recommendations": _page(
            request,
            browsing.in_reading_order(recommendations),
            param="rpage",
            fetch=visible.recommendation_cards,
            count=visible.lesson_count("recommendation", theme=theme),
        ),
    }
    return render(request, "experiences/theme_detail.html", context)


def _filtered_list(
    request: HttpRequest, *, filterset_class, queryset, prepare, template: str, shape=None, known_count=None
) -> HttpResponse:
    """A filterable list: ``shape`` orders the filtered rows, ``prepare`` reads a page's cards.

    ``known_count(filters)``: the list's length from the maintained counts, or
    None when the filters in use are not counted there.
    """
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return render(request, template, {"filter": filterset, "page_obj": None}, status=400)
    used = {
        k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", []) and k != "sort"
    } if filterset.is_bound else {}  # fmt: skip
    rows = shape(filterset.qs, used) if shape else filterset.qs
    page = _page(request, rows, fetch=prepare, count=known_count(used) if known_count else None)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"filter": filterset, "page_obj": page, "querystring": query.urlencode()})


def practice_list(request: HttpRequest) -> HttpResponse:
    visible = Visible(request)
    return _filtered_list(
        request,
        filterset_class=PracticeFilterSet,
        queryset=visible.practices.order_by(*browsing.NEWEST_FIRST),
        prepare=browsing.practices_for_listing,
        template="experiences/practice_list.html",
        known_count=lambda used: (
            visible.lesson_count("practice", **used) if set(used) <= {"place"} or set(used) <= {"theme"} else None
        ),
    )


def recommendation_list(request: HttpRequest) -> HttpResponse:
    visible = Visible(request)
    return _filtered_list(
        request,
        filterset_class=RecommendationFilterSet,
        queryset=visible.recommendations,
        # Unfiltered, every visible point is listed: no need to ask which points matched.
        shape=lambda qs, used: browsing.in_reading_order(
            browsing.points_of(qs, visible=visible.recommendations)
            if used
            else visible.recommendations.filter(parent=None)
        ),
        known_count=lambda used: (
            visible.lesson_count("recommendation", **used) if set(used) <= {"place"} or set(used) <= {"theme"} else None
        ),
        prepare=visible.recommendation_cards,
        template="experiences/recommendation_list.html",
    )


def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = Visible(request)
    practice = get_object_or_404(
        visible.practices.select_related("document", "section").prefetch_related(
            Prefetch("places", queryset=Place.objects.select_related("parent__parent")), "themes__parent", "tags"
        ),
        pk=pk,
    )
    derived = visible.recommendations.filter(derived_from=practice).select_related("document", "parent")
    context = {
        "practice": practice,
        "passage": reading.source_passage(practice),
        "recommendations": browsing.in_reading_order(derived),
        "related": browsing.related_practices(practice, visible=visible.practices, keys=visible.related_keys(practice)),
    }
    return render(request, "experiences/practice_detail.html", context)


def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = Visible(request)
    recommendation = get_object_or_404(
        visible.recommendations.select_related("document", "section").prefetch_related(
            "places", "themes__parent", "tags"
        ),
        pk=pk,
    )
    children = visible.recommendations.filter(parent=recommendation).order_by("order", "pk")
    behind = visible.practices.filter(Q(recommendations=recommendation) | Q(recommendations__in=children))
    context = {
        "recommendation": recommendation,
        "parent": visible.recommendations.filter(pk=recommendation.parent_id).first()
        if recommendation.parent_id
        else None,
        "children": children.prefetch_related(Prefetch("derived_from", queryset=visible.practices.only("pk", "title"))),
        "practices": browsing.practices_for_listing(behind.distinct().order_by("pk")),
        "passage": reading.source_passage(recommendation),
    }
    return render(request, "experiences/recommendation_detail.html", context)


def document_list(request: HttpRequest) -> HttpResponse:
    visible = Visible(request)
    documents = visible.documents.select_related("duplicate_of").order_by("-pk")
    filterset = DocumentFilterSet(request.GET or None, queryset=documents, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return render(request, "experiences/document_list.html", {"filter": filterset, "page_obj": None}, status=400)
    page = _page(request, filterset.qs)
    # Lesson counts for this page's documents only: one grouped query each, not an aggregate over the base.
    ids = [document.pk for document in page]
    practices = browsing.counts_by_document(visible.practices, ids)
    recommendations = browsing.counts_by_document(visible.recommendations.filter(parent=None), ids)  # points
    for document in page:
        document.practice_count = practices.get(document.pk, 0)
        document.recommendation_count = recommendations.get(document.pk, 0)
        original = document.duplicate_of
        document.visible_duplicate_of = (
            original if original and (visible.staff or original.status == "published") else None
        )
    return render(request, "experiences/document_list.html", {"filter": filterset, "page_obj": page})


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = Visible(request)
    document = get_object_or_404(visible.documents, pk=pk)
    sections = list(document.sections.all())
    practices = list(visible.practices.filter(document=document).only("pk", "title", "excerpt", "section_id"))
    recommendations = list(
        browsing.in_reading_order(visible.recommendations.filter(document=document)).only(
            "pk", "title", "excerpt", "section_id", "label", "parent_id", "order", "document_id"
        )
    )
    context = {
        "document": document,
        "duplicate_of": browsing.visible_duplicate_of(document, visible=visible.documents),
        "outline": reading.outline_tree(sections),
        "paragraphs": reading.marked_text(document, lessons=[*practices, *recommendations], sections=sections),
        "lesson_links": reading.lesson_links([*practices, *recommendations]),
        "practices": practices,
        "recommendations": recommendations,
        "duplicates": visible.documents.filter(duplicate_of=document),
        "places": document.places.all(),
    }
    return render(request, "experiences/document_detail.html", context)


def search_page(request: HttpRequest) -> HttpResponse:
    visible = Visible(request)
    filterset = SearchFilterSet(request.GET or None, queryset=SearchEntry.objects.none(), request=request)
    context = {"filter": filterset, "results": None, "page_obj": None}
    if filterset.is_bound and not filterset.is_valid():
        return render(request, "experiences/search.html", context, status=400)
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    query = search.understand(data.get("q") or "")
    filters = search.Filters.from_form(data, staff=visible.staff)
    per_page = settings.KBASE_PAGE_SIZE
    paginator = Paginator(SearchHits(query, filters, page=request.GET.get("page"), per_page=per_page), per_page)
    page = paginator.get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context |= {
        "query": query,
        "page_obj": page,
        "results": search_results.hydrate(
            list(page.object_list), query=query, published_only=not filters.include_drafts
        ),
        "facets": page.paginator.object_list.facets,
        "querystring": query_string.urlencode(),
    }
    if not context["results"] and query.terms:
        context["alternatives"] = search_results.alternatives(request.GET, query=query, suggest=search.suggest)
    return render(request, "experiences/search.html", context)


def search_suggest(request: HttpRequest) -> JsonResponse:
    visible = Visible(request)
    suggestions = search.suggest(request.GET.get("q", ""), include_drafts=False)
    return JsonResponse(
        {"suggestions": [{"kind": s.kind, "label": s.label, "url": s.url} for s in suggestions]},
        headers={"Cache-Control": "private, max-age=60"} if not visible.staff else None,
    )


class SearchHits:
    """A lazily evaluated hit list the Paginator can count and slice: one search per page.

    The page asked for (``page``, ``per_page``) is fetched with the counts, in
    the same search; the Paginator's slice then finds it already there, unless
    the number was out of range and the Paginator moved to another page.
    """

    def __init__(self, query, filters, *, page: str | None = None, per_page: int = 20):
        self.query, self.filters = query, filters
        self.facets: dict = {}
        self._total: int | None = None
        try:
            number = int(page or 1)
        except ValueError:
            number = 1
        # Out of range numbers are the Paginator's to correct; kept small here so no OFFSET overflows.
        self._wanted = ((min(max(number, 1), 100_000) - 1) * per_page, per_page)
        self._hits: list = []

    def count(self) -> int:
        if self._total is None:
            offset, limit = self._wanted
            results = search.search(self.query, filters=self.filters, offset=offset, limit=limit)
            self._total, self.facets, self._hits = results.total, results.facets, results.hits
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        start, stop = (item.start or 0, item.stop) if isinstance(item, slice) else (item, item + 1)
        if self._total is not None and start == self._wanted[0] and stop - start <= self._wanted[1]:
            hits = self._hits[: stop - start]
            return hits if isinstance(item, slice) else hits[0]
        results = search.search(
            self.query,
            filters=self.filters,
            offset=start,
            limit=max(stop - start, 0),
            totals=False,
            total=self._total,
        )
        return results.hits if isinstance(item, slice) else results.hits[0]
