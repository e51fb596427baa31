"""Read-side queries for the public pages: counts, trees and related lessons.

Every function runs a fixed number of SQL queries whatever the size of the
base: counts are aggregated in the database (grouped by adcode prefix for the
place hierarchy) and only the handful of rows a page shows are fetched.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse

from .lessons import KINDS
from .models import Place, Practice, Recommendation, SourceDocument, Status, Theme, code_prefix, sees_unpublished
from .text.places import MUNICIPALITIES

NEWEST_FIRST = ("-created_at", "-pk")


def visible_lessons(model, user) -> QuerySet:
    """``model.objects.visible_to(user)``, the same rows, in a shape both planners list quickly.

    For readers, LessonQuerySet.published() joins the document to check its
    status; SQLite then starts from the documents and sorts every practice
    to show the newest six (docs/performance.md). As a subquery on a computed
    ``document_id + 0`` the document check cannot drive the plan, and SQLite
    walks the (status, created_at) index newest first, stopping at the page.
    PostgreSQL plans the subquery as a hashed semi-join either way.
    """
    queryset = model.objects.visible_to(user)
    if sees_unpublished(user):
        return queryset
    published_documents = SourceDocument.objects.filter(status=Status.PUBLISHED).values("pk")
    return (
        model.objects.filter(status=Status.PUBLISHED)
        .alias(source_document=F("document_id") + 0)
        .filter(source_document__in=published_documents)
    )


def _card_prefetches() -> tuple[Prefetch, Prefetch]:
    return (
        Prefetch("places", queryset=Place.objects.only("adcode", "name", "short_name")),
        Prefetch("themes", queryset=Theme.objects.only("slug", "name", "parent_id")),
    )


def practices_for_listing(queryset: QuerySet[Practice]) -> QuerySet[Practice]:
    """What a practice card shows, in a constant number of queries."""
    return queryset.select_related("document").prefetch_related(*_card_prefetches())


def recommendations_for_listing(queryset: QuerySet[Recommendation], *, published_only: bool) -> QuerySet:
    """What a recommendation card shows: the point, and the sub-points under it the reader may see."""
    children = Recommendation.objects.only("pk", "parent_id", "label", "title", "status").order_by("order", "pk")
    if published_only:
        children = children.filter(status=Status.PUBLISHED)
    return queryset.select_related("document").prefetch_related(
        *_card_prefetches(), Prefetch("children", queryset=children, to_attr="sub_points")
    )


def in_reading_order(queryset: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """Document order: each numbered point followed by its sub-points (1. (1) (2) 2. (1) …)."""
    return queryset.order_by(
        "document_id",
        Coalesce("parent__order", "order"),
        F("parent_id").asc(nulls_first=True),
        "order",
        "pk",
    )


def points_of(matched: QuerySet[Recommendation], *, visible: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """The top-level points of these recommendations, as every list shows them.

    A recommendation is its top-level point with the sub-points under it (which
    its card counts and its page lists): a sub-point that matched a filter brings
    its point, never appears alone, and is counted within it, as
    experiences.counting counts. ``visible``: the points this user may see.
    """
    # The points of the matches, as a set the database builds once (a hash of a few thousand ids for
    # a place or theme) and probes while it walks the points in reading order. EXISTS per point
    # instead probed the links of every point walked: 10,000 probes to fill the first page of a
    # province holding 4% of a million-practice base's recommendations (docs/performance.md).
    roots = matched.order_by().annotate(root=Coalesce("parent_id", "pk")).values("root")
    return visible.filter(parent=None, pk__in=roots)


@dataclass
class PlaceCount:
    place: Place
    practices: int = 0
    recommendations: int = 0
    children: list[PlaceCount] = field(default_factory=list)
    url: str = ""

    @property
    def total(self) -> int:
        return self.practices + self.recommendations


def counted_members(model, lessons: QuerySet, lesson_field: str) -> tuple[QuerySet, F | Coalesce]:
    """The lessons whose links count, and what each link counts for (experiences.counting's rule).

    A recommendation counts as its top-level point: a sub-point's links count for
    its point, when both are among ``lessons``.
    """
    if model is not Recommendation:
        return lessons, F(lesson_field)
    points = lessons.filter(parent=None)
    members = lessons.filter(Q(parent=None) | Q(parent__in=points.values("pk")))
    return members, Coalesce(F(f"{lesson_field}__parent_id"), F(lesson_field))


def _counts_by_prefix(*, through, lesson_field: str, lessons: QuerySet, length: int) -> dict[str, int]:
    members, owner = counted_members(through._meta.get_field(lesson_field).related_model, lessons, lesson_field)
    rows = (
        through.objects.filter(**{f"{lesson_field}__in": members.values("pk")})
        .annotate(prefix=Substr("place__adcode", 1, length))
        .values("prefix")
        .annotate(n=Count(owner, distinct=True))
    )
    return {row["prefix"]: row["n"] for row in rows}


def place_counts(*, practices: QuerySet[Practice], recommendations: QuerySet[Recommendation]) -> dict[str, PlaceCount]:
    """Distinct lessons per place, each place counting the places under it (a recount).

    Returns a map adcode → counts for every place that has lessons, directly
    or through its descendants. Six grouped queries plus one for the places.
    The pages read the maintained counts instead (``place_counts_from``).
    """
    by_prefix: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for index, (through, field_name, lessons) in enumerate(
        [
            (Practice.places.through, "practice", practices),
            (Recommendation.places.through, "recommendation", recommendations),
        ]
    ):
        for length in (2, 4, 6):
            counts = _counts_by_prefix(through=through, lesson_field=field_name, lessons=lessons, length=length)
            for prefix, n in counts.items():
                by_prefix[prefix][index] = n
    return _places_for_prefixes(by_prefix)


def place_counts_from(counts: dict[tuple[str, str], int]) -> dict[str, PlaceCount]:
    """``place_counts`` from maintained counts (experiences.counting.read): one query, for the places."""
    by_prefix: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, key), n in counts.items():
        if key.startswith("place:") and kind in LESSON_INDEX:
            by_prefix[key[6:]][LESSON_INDEX[kind]] = n
    return _places_for_prefixes(by_prefix)


# A count pair's position for each lesson kind: (practices, recommendations), the registry's order.
LESSON_INDEX = {kind.key: index for index, kind in enumerate(KINDS)}


def prefix_counts(counts: dict[tuple[str, str], int], prefix: str) -> tuple[int, int]:
    return counts.get(("practice", f"place:{prefix}"), 0), counts.get(("recommendation", f"place:{prefix}"), 0)


def place_count_from(place: Place, counts: dict[tuple[str, str], int]) -> PlaceCount | None:
    """One place's entry of ``place_counts_from``, without building the others."""
    practices, recommendations = prefix_counts(counts, place.code_prefix)
    return PlaceCount(place, practices, recommendations) if practices or recommendations else None


def sub_place_counts_from(place: Place, counts: dict[tuple[str, str], int]) -> list[PlaceCount]:
    """The counted places directly under ``place``, by pinyin (one query, for its children)."""
    children = (place_count_from(child, counts) for child in place.children.all())
    return sorted((c for c in children if c), key=lambda c: (c.place.pinyin, c.place.adcode))


def home_places_from(counts: dict[tuple[str, str], int]) -> tuple[int, list[PlaceCount]]:
    """How many places hold lessons, and ``top_places``, without building every place's entry.

    Two queries: every place's code and level (the gazetteer is bounded, about
    3,300 places; naming thousands of codes in a query took longer than reading
    them all), and the counted cities that can rank (prefectures, and the
    provinces among which the four municipalities are).
    """
    by_prefix = {key[6:] for (kind, key), n in counts.items() if n and key.startswith("place:")}
    counted = [
        (adcode, level)
        for adcode, level in Place.objects.order_by().values_list("adcode", "level")
        if code_prefix(adcode=adcode, level=level) in by_prefix
    ]
    ranked_levels = {Place.Level.PROVINCE, Place.Level.PREFECTURE}
    cities = Place.objects.filter(adcode__in=[adcode for adcode, level in counted if level in ranked_levels])
    candidates = {c.place.adcode: c for c in (place_count_from(city, counts) for city in cities) if c}
    return len(counted), top_places(candidates)


def _places_for_prefixes(by_prefix: dict[str, list[int]]) -> dict[str, PlaceCount]:
    """Every place with lessons. The gazetteer is read whole and matched here: it is bounded
    (about 3,300 places for all of China), and once most places hold lessons a query naming
    thousands of codes took twice as long as reading them all."""
    result = {}
    for place in Place.objects.order_by():
        practice_count, recommendation_count = by_prefix.get(place.code_prefix, (0, 0))
        if practice_count or recommendation_count:
            result[place.adcode] = PlaceCount(place, practice_count, recommendation_count)
    return result


@dataclass
class ProvinceGroup:
    province: PlaceCount
    places: list[PlaceCount] = field(default_factory=list)


def places_by_province(counts: dict[str, PlaceCount]) -> list[ProvinceGroup]:
    """Group counted places under their province (counties under their city), sorted by pinyin."""
    groups: dict[str, ProvinceGroup] = {}
    # One reverse() for the 3,000 links of /places/ rather than one per place (a third of its rendering).
    url = reverse("experiences:place_detail", kwargs={"adcode": "000000"}).replace("000000", "{}")
    for item in counts.values():
        item.children = []
        item.url = url.format(item.place.adcode)
        if item.place.level == Place.Level.PROVINCE:
            groups.setdefault(item.place.adcode, ProvinceGroup(item))
    for item in sorted(counts.values(), key=lambda c: (c.place.pinyin, c.place.adcode)):
        if item.place.level == Place.Level.PROVINCE:
            continue
        prefecture = counts.get(item.place.adcode[:4] + "00")
        if item.place.level == Place.Level.COUNTY and prefecture is not None and prefecture is not item:
            prefecture.children.append(item)
        else:
            groups[item.place.adcode[:2] + "0000"].places.append(item)
    return sorted(groups.values(), key=lambda g: (g.province.place.pinyin, g.province.place.adcode))


def top_places(counts: dict[str, PlaceCount], *, limit: int = 10) -> list[PlaceCount]:
    """Cities (prefecture level, or province-level municipalities) we hold the most lessons of.

    Practices and recommendations alike: a city whose reports gave 21 recommendations
    and no practice is among the most documented, not missing from the list.
    """
    candidates = [
        c
        for c in counts.values()
        if c.total and (c.place.level == Place.Level.PREFECTURE or c.place.adcode in MUNICIPALITIES)
    ]
    return sorted(candidates, key=lambda c: (-c.total, -c.practices, c.place.pinyin))[:limit]


@dataclass
class ThemeNode:
    theme: Theme
    practices: int = 0
    recommendations: int = 0
    children: list[ThemeNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.practices + self.recommendations


def theme_tree(*, practices: QuerySet[Practice], recommendations: QuerySet[Recommendation]) -> list[ThemeNode]:
    """The two-level taxonomy with distinct lesson counts (a parent counts its children's lessons); a recount."""
    direct: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rolled: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for index, (through, name, lessons) in enumerate(
        [
            (Practice.themes.through, "practice", practices),
            (Recommendation.themes.through, "recommendation", recommendations),
        ]
    ):
        members, owner = counted_members(through._meta.get_field(name).related_model, lessons, name)
        linked = through.objects.filter(**{f"{name}__in": members.values("pk")})
        for row in linked.values("theme_id").annotate(n=Count(owner, distinct=True)):
            direct[row["theme_id"]][index] = row["n"]
        # A lesson filed under two sub-themes of one parent counts once there.
        top = (
            linked.annotate(top=Coalesce(F("theme__parent_id"), F("theme_id")))
            .values("top")
            .annotate(n=Count(owner, distinct=True))
        )
        for row in top:
            rolled[row["top"]][index] = row["n"]
    return _tree(direct, rolled)


def theme_tree_from(counts: dict[tuple[str, str], int]) -> list[ThemeNode]:
    """``theme_tree`` from maintained counts (experiences.counting.read): one query, for the themes."""
    direct: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rolled: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, key), n in counts.items():
        scope, _, theme_id = key.partition(":")
        if kind in LESSON_INDEX and scope in {"theme", "top"}:
            (direct if scope == "theme" else rolled)[int(theme_id)][LESSON_INDEX[kind]] = n
    return _tree(direct, rolled)


def _tree(direct: dict[int, list[int]], rolled: dict[int, list[int]]) -> list[ThemeNode]:
    themes = list(Theme.objects.all())
    nodes = {t.pk: ThemeNode(t, *direct[t.pk]) for t in themes}
    roots = []
    for theme in themes:
        node = nodes[theme.pk]
        if theme.parent_id:
            nodes[theme.parent_id].children.append(node)
        else:
            node.practices, node.recommendations = rolled[theme.pk]
            roots.append(node)
    return roots


CANDIDATES = 300


def related_practices(
    practice: Practice, *, visible: QuerySet[Practice], limit: int = 5, keys: list[int] | None = None
) -> list[Practice]:
    """Other practices sharing the most themes (then places) with this one, ready for cards.

    ``keys``: their ids, if already known (``related_keys``, cached per content version by the page).
    """
    keys = related_keys(practice, visible=visible, limit=limit) if keys is None else keys
    found = {p.pk: p for p in practices_for_listing(Practice.objects.filter(pk__in=keys))}
    return [found[key] for key in keys if key in found]


def related_keys(practice: Practice, *, visible: QuerySet[Practice], limit: int = 5) -> list[int]:
    """The ids of the other practices sharing the most themes (then places) with this one."""
    theme_ids = [t.pk for t in practice.themes.all()]
    place_ids = [p.pk for p in practice.places.all()]
    if not theme_ids and not place_ids:
        return []
    themes, places = Practice.themes.through.objects, Practice.places.through.objects
    # Score only the most recent few hundred practices sharing a theme or a
    # place, not every practice of a popular theme in a base of 100,000.
    pool = {
        *themes.filter(theme_id__in=theme_ids)
        .exclude(practice_id=practice.pk)
        .order_by("-practice_id")
        .values_list("practice_id", flat=True)[:CANDIDATES],
        *places.filter(place_id__in=place_ids)
        .exclude(practice_id=practice.pk)
        .order_by("-practice_id")
        .values_list("practice_id", flat=True)[:CANDIDATES],
    }
    # Shared themes and places counted from the candidates' own links (looked up
    # by practice), not by a grouped join: PostgreSQL hashed all 100,000 place links for it.
    shared_themes = Counter(
        themes.filter(practice_id__in=pool, theme_id__in=theme_ids).values_list("practice_id", flat=True)
    )
    shared_places = Counter(
        places.filter(practice_id__in=pool, place_id__in=place_ids).values_list("practice_id", flat=True)
    )
    candidates = visible.filter(pk__in=pool).values_list("pk", "created_at")
    ranked = sorted(candidates, key=lambda c: (-shared_themes[c[0]], -shared_places[c[0]], -c[1].timestamp(), -c[0]))
    return [pk for pk, _ in ranked[:limit]]


def visible_duplicate_of(document: SourceDocument, *, visible: QuerySet[SourceDocument]) -> SourceDocument | None:
    """The original a document duplicates, if the reader may see it."""
    if not document.duplicate_of_id:
        return None
    return visible.filter(pk=document.duplicate_of_id).first()


def documents_for_place(place: Place, *, visible: QuerySet[SourceDocument]) -> QuerySet[SourceDocument]:
    """Documents that mention the place or a place under it."""
    linked = SourceDocument.places.through.objects.filter(place__adcode__startswith=place.code_prefix)
    return visible.filter(pk__in=linked.values("sourcedocument_id")).order_by("pk")


def counts_by_document(lessons: QuerySet, document_ids: list[int]) -> dict[int, int]:
    rows = lessons.filter(document_id__in=document_ids).values("document_id").annotate(n=Count("pk"))
    return {row["document_id"]: row["n"] for row in rows.order_by()}
