"""Public pages. Thin: querying lives in browsing.py and filters.py."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import browsing
from .filters import PracticeFilterSet, RecommendationFilterSet, restrict_to_visible, within_place, within_theme
from .models import Place, Practice, Recommendation, Section, SourceDocument, Theme
from .text.passages import Span, find_excerpt, paragraphs


def _visible(request: HttpRequest):
    user = request.user
    return (
        Practice.objects.visible_to(user),
        Recommendation.objects.visible_to(user),
        SourceDocument.objects.visible_to(user),
    )


def _page(request: HttpRequest, queryset, *, param: str = "page"):
    return Paginator(queryset, settings.KBASE_PAGE_SIZE).get_page(request.GET.get(param))


def home(request: HttpRequest) -> HttpResponse:
    practices, recommendations, documents = _visible(request)
    counts = browsing.place_counts(practices=practices, recommendations=recommendations)
    context = {
        "practice_count": practices.count(),
        "recommendation_count": recommendations.count(),
        "document_count": documents.count(),
        "place_count": len(counts),
        "themes": browsing.theme_tree(practices=practices, recommendations=recommendations),
        "top_places": browsing.top_places(counts),
        "latest": browsing.practices_for_listing(practices.order_by("-created_at", "-pk"))[:6],
    }
    return render(request, "experiences/home.html", context)


def place_list(request: HttpRequest) -> HttpResponse:
    practices, recommendations, _ = _visible(request)
    counts = browsing.place_counts(practices=practices, recommendations=recommendations)
    return render(request, "experiences/place_list.html", {"groups": browsing.places_by_province(counts)})


def place_detail(request: HttpRequest, adcode: str) -> HttpResponse:
    place = get_object_or_404(Place.objects.select_related("parent__parent"), adcode=adcode)
    practices, recommendations, documents = _visible(request)
    counts = browsing.place_counts(practices=practices, recommendations=recommendations, within=place)
    practices = browsing.practices_for_listing(
        within_place(practices, place=place, through=Practice.places.through).order_by("-created_at", "-pk")
    )
    recommendations = browsing.recommendations_for_listing(
        within_place(recommendations, place=place, through=Recommendation.places.through).order_by(
            "document_id", "order", "pk"
        )
    )
    sub_places = sorted(
        (c for c in counts.values() if c.place.parent_id == place.pk), key=lambda c: (c.place.pinyin, c.place.adcode)
    )
    context = {
        "place": place,
        "ancestors": place.ancestors(),
        "aliases": place.aliases.all(),
        "counts": counts.get(place.adcode),
        "sub_places": sub_places,
        "practices": _page(request, practices),
        "recommendations": _page(request, recommendations, param="rpage"),
        "documents": browsing.documents_for_place(place, visible=documents),
    }
    return render(request, "experiences/place_detail.html", context)


def theme_list(request: HttpRequest) -> HttpResponse:
    practices, recommendations, _ = _visible(request)
    return render(
        request,
        "experiences/theme_list.html",
        {"themes": browsing.theme_tree(practices=practices, recommendations=recommendations)},
    )


def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    practices, recommendations, _ = _visible(request)
    practices = browsing.practices_for_listing(
        within_theme(practices, theme=theme, through=Practice.themes.through).order_by("-created_at", "-pk")
    )
    recommendations = browsing.recommendations_for_listing(
        within_theme(recommendations, theme=theme, through=Recommendation.themes.through).order_by(
            "document_id", "order", "pk"
        )
    )
    context = {
        "theme": theme,
        "children": theme.children.all(),
        "practices": _page(request, practices),
        "recommendations": _page(request, recommendations, param="rpage"),
    }
    return render(request, "experiences/theme_detail.html", context)


def _filtered_list(request: HttpRequest, *, filterset_class, queryset, prepare, template: str) -> HttpResponse:
    filterset = restrict_to_visible(filterset_class(request.GET or None, queryset=queryset), request.user)
    if filterset.is_bound and not filterset.is_valid():
        return render(request, template, {"filter": filterset, "page_obj": None}, status=400)
    page = _page(request, prepare(filterset.qs))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page_obj": page, "querystring": query.urlencode()}
    return render(request, template, context)


def practice_list(request: HttpRequest) -> HttpResponse:
    practices, _, _ = _visible(request)
    return _filtered_list(
        request,
        filterset_class=PracticeFilterSet,
        queryset=practices.order_by("-created_at", "-pk"),
        prepare=browsing.practices_for_listing,
        template="experiences/practice_list.html",
    )


def recommendation_list(request: HttpRequest) -> HttpResponse:
    _, recommendations, _ = _visible(request)
    queryset = recommendations.order_by("document_id", "order", "pk")
    if not request.GET.get("q"):
        # Sub-points are shown under their parent unless the reader searches.
        queryset = queryset.filter(Q(parent__isnull=True) | ~Q(parent__in=recommendations))
    return _filtered_list(
        request,
        filterset_class=RecommendationFilterSet,
        queryset=queryset,
        prepare=browsing.recommendations_for_listing,
        template="experiences/recommendation_list.html",
    )


def _source_passage(lesson) -> dict:
    """The lesson's section of the source, with the excerpt highlighted in it."""
    document = lesson.document
    section = lesson.section
    start, end = (section.start, section.end) if section else (0, len(document.text))
    span = find_excerpt(document.text, lesson.excerpt, start=start, end=end)
    if span is not None and not (start <= span.start and span.end <= end):
        start, end = span.start, span.end  # the excerpt lies outside the recorded section
    marks = [Span(span.start, span.end, "excerpt")] if span else []
    return {
        "paragraphs": paragraphs(document.text[start:end], marks=marks, offset=start),
        "found": span is not None,
    }


def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practices, recommendations, _ = _visible(request)
    practice = get_object_or_404(
        practices.select_related("document", "section").prefetch_related(
            Prefetch("places", queryset=Place.objects.select_related("parent__parent")), "themes__parent", "tags"
        ),
        pk=pk,
    )
    context = {
        "practice": practice,
        "passage": _source_passage(practice),
        "recommendations": recommendations.filter(derived_from=practice).select_related("document", "parent"),
        "related": browsing.related_practices(practice, visible=practices),
    }
    return render(request, "experiences/practice_detail.html", context)


def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practices, recommendations, _ = _visible(request)
    recommendation = get_object_or_404(
        recommendations.select_related("document", "section", "parent").prefetch_related(
            "places", "themes__parent", "tags"
        ),
        pk=pk,
    )
    children = recommendations.filter(parent=recommendation).order_by("order", "pk")
    behind = practices.filter(Q(recommendations=recommendation) | Q(recommendations__in=children)).distinct()
    context = {
        "recommendation": recommendation,
        "parent": recommendations.filter(pk=recommendation.parent_id).first() if recommendation.parent_id else None,
        "children": children.prefetch_related(Prefetch("derived_from", queryset=practices.only("pk", "title"))),
        "practices": browsing.practices_for_listing(behind.order_by("pk")),
        "passage": _source_passage(recommendation),
    }
    return render(request, "experiences/recommendation_detail.html", context)


def document_list(request: HttpRequest) -> HttpResponse:
    practices, recommendations, documents = _visible(request)
    documents = (
        documents.select_related("duplicate_of")
        .annotate(
            practice_count=Count("practices", filter=Q(practices__in=practices), distinct=True),
            recommendation_count=Count("recommendations", filter=Q(recommendations__in=recommendations), distinct=True),
        )
        .order_by("pk")
    )
    return render(request, "experiences/document_list.html", {"page_obj": _page(request, documents)})


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practices, recommendations, documents = _visible(request)
    document = get_object_or_404(documents.select_related("duplicate_of"), pk=pk)
    sections = list(document.sections.all())
    lessons = [
        *practices.filter(document=document).only("pk", "title", "excerpt", "section_id"),
        *recommendations.filter(document=document).only("pk", "title", "excerpt", "section_id", "label"),
    ]
    marks = []
    for lesson in lessons:
        span = find_excerpt(document.text, lesson.excerpt)
        if span:
            marks.append(Span(span.start, span.end, f"{lesson._meta.model_name}-{lesson.pk}"))
    context = {
        "document": document,
        "outline": _outline(sections),
        "paragraphs": paragraphs(
            document.text, marks=marks, anchors=[Span(s.start, s.start, f"sec-{s.pk}") for s in sections]
        ),
        "practices": [x for x in lessons if isinstance(x, Practice)],
        "recommendations": [x for x in lessons if isinstance(x, Recommendation)],
        "duplicates": documents.filter(duplicate_of=document),
        "places": document.places.all(),
    }
    return render(request, "experiences/document_detail.html", context)


def _outline(sections: list[Section]) -> list[dict]:
    """Nest the flat, ordered sections into a tree for the template."""
    nodes = {s.pk: {"section": s, "children": []} for s in sections}
    roots = []
    for section in sections:
        (nodes[section.parent_id]["children"] if section.parent_id in nodes else roots).append(nodes[section.pk])
    return roots


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
