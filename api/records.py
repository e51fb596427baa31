"""Plain records of places, themes, documents and lessons, a whole page at a time (a fixed number of queries)."""

from __future__ import annotations

from collections import defaultdict

from briefings import assemble, tabular
from briefings.models import Collection
from experiences import browsing, counting, reading
from experiences.models import Place, Practice, Recommendation, SourceDocument, Theme


def place_record(place: Place, counts: dict) -> dict:
    practices, recommendations = browsing.prefix_counts(counts, place.code_prefix)
    return {
        "adcode": place.adcode,
        "name": place.name,
        "short_name": place.short_name,
        "qualified_name": place.qualified_name,
        "level": place.level,
        "parent": place.parent.adcode if place.parent_id else None,
        "practices": practices,
        "recommendations": recommendations,
        "url": place.get_absolute_url(),
    }


def place_records(places: list[Place], *, user) -> list[dict]:
    counts = counting.read(counting.audience(user), "places")
    return [place_record(place, counts) for place in places]


def place_detail(place: Place, *, user) -> dict:
    counts = counting.read(counting.audience(user), "places")
    children = place.children.select_related("parent__parent").order_by("adcode")
    return place_record(place, counts) | {
        "ancestors": [place_record(p, counts) for p in reversed(place.ancestors())],
        "children": [place_record(child, counts) for child in children],
    }


def theme_records(themes: list[Theme], *, user) -> list[dict]:
    counts = counting.read(counting.audience(user), "themes")
    records = []
    for theme in themes:
        key = f"theme:{theme.pk}" if theme.parent_id else f"top:{theme.pk}"
        records.append(
            {
                "slug": theme.slug,
                "name": theme.name,
                "parent": theme.parent.slug if theme.parent_id else None,
                "description": theme.description,
                "practices": counts.get(("practice", key), 0),
                "recommendations": counts.get(("recommendation", key), 0),
                "url": theme.get_absolute_url(),
            }
        )
    return records


def document_records(documents: list[SourceDocument], *, user) -> list[dict]:
    ids = [d.pk for d in documents]
    practices = browsing.counts_by_document(browsing.visible_lessons(Practice, user), ids)
    recommendations = browsing.counts_by_document(browsing.visible_lessons(Recommendation, user), ids)
    places: dict[int, list[str]] = defaultdict(list)
    links = SourceDocument.places.through.objects.filter(sourcedocument_id__in=ids).order_by("place__adcode")
    for pk, adcode in links.values_list("sourcedocument_id", "place__adcode"):
        places[pk].append(adcode)
    return [
        {
            "id": d.pk,
            "title": d.title,
            "subtitle": d.subtitle,
            "kind": d.kind,
            "kind_label": str(d.get_kind_display()),
            "authors": d.authors,
            "organization": d.organization,
            "publisher": d.publisher,
            "year": d.published_year,
            "month": d.published_month,
            "byline": d.byline,
            "status": d.status,
            "places": places[d.pk],
            "practices": practices.get(d.pk, 0),
            "recommendations": recommendations.get(d.pk, 0),
            "url": d.get_absolute_url(),
        }
        for d in documents
    ]


def outline(document: SourceDocument) -> list[dict]:
    """The document's sections as a tree, in reading order (the tree the document page shows)."""

    def node(branch: dict) -> dict:
        s = branch["section"]
        children = [node(child) for child in branch["children"]]
        return {
            "id": s.pk,
            "label": s.label,
            "heading": s.heading,
            "start": s.start,
            "end": s.end,
            "children": children,
        }

    return [node(root) for root in reading.outline_tree(list(document.sections.all()))]


def document_detail(document: SourceDocument, *, user) -> dict:
    (record,) = document_records([document], user=user)
    visible = SourceDocument.objects.visible_to(user)
    duplicate = browsing.visible_duplicate_of(document, visible=visible)
    return record | {
        "text": document.text,
        "outline": outline(document),
        "practice_ids": list(
            browsing.visible_lessons(Practice, user)
            .filter(document=document)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "recommendation_ids": list(
            browsing.visible_lessons(Recommendation, user)
            .filter(document=document)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        ),
        "duplicate_of": duplicate.pk if duplicate else None,
    }


def lesson_records(kind: str, ids: list[int], *, user) -> list[dict]:
    """Lessons as the JSON export writes them, plus ``links`` (keys of what they link to), in ``ids`` order."""
    lessons = assemble.load_items([(kind, pk) for pk in ids], user=user)
    derived: dict[int, list[int]] = defaultdict(list)
    if kind == "practice" and lessons:
        through = Recommendation.derived_from.through.objects.filter(
            practice_id__in=ids, recommendation__in=browsing.visible_lessons(Recommendation, user)
        )
        for practice, recommendation in through.order_by("recommendation_id").values_list(
            "practice_id", "recommendation_id"
        ):
            derived[practice].append(recommendation)
    parents = {lesson.keys.get("parent") for lesson in lessons} - {None}
    # A published sub-point of a point the caller may not see: the point's id is not theirs to learn.
    seen = set(browsing.visible_lessons(Recommendation, user).filter(pk__in=parents).values_list("pk", flat=True))
    records = []
    for lesson in lessons:
        links = dict(lesson.keys)
        if kind == "practice":
            links["recommendations"] = derived[lesson.pk]
        elif links.get("parent") not in seen:
            links["parent"] = None
        records.append(tabular.record(lesson) | {"links": links})
    return records


def collection_records(collections: list[Collection], *, user) -> list[dict]:
    practices = set(
        browsing.visible_lessons(Practice, user)
        .values_list("pk", flat=True)
        .filter(pk__in=[i.practice_id for c in collections for i in c.items.all() if i.practice_id])
    )
    recommendations = set(
        browsing.visible_lessons(Recommendation, user)
        .values_list("pk", flat=True)
        .filter(pk__in=[i.recommendation_id for c in collections for i in c.items.all() if i.recommendation_id])
    )
    return [
        {
            "id": c.pk,
            "title": c.title,
            "introduction": c.introduction,
            "owner": c.owner.get_username(),
            "shared": c.shared,
            "updated_at": c.updated_at,
            # Lessons the caller may no longer see (withdrawn since) are left out, as in the collection's export.
            "items": [
                {"kind": "practice", "id": i.practice_id}
                if i.practice_id
                else {"kind": "recommendation", "id": i.recommendation_id}
                for i in c.items.all()
                if (i.practice_id in practices) or (i.recommendation_id in recommendations)
            ],
        }
        for c in collections
    ]
