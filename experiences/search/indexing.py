"""The index: each practice, recommendation and document section as a SearchEntry.

Each item becomes a SearchEntry whose columns hold its words as segmented by
jieba in search mode (so 中关村自主创新示范区 is found by 中关村 and by 示范区),
place tokens (``p420100`` for 武汉 and ``p420000`` for 湖北, so a place query
finds what is linked to the places under it), theme tokens and the distinct
characters of its title (for one-character queries). The full-text index over
those columns is the engine's (migrations 0003 and 0006).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from taggit.models import TaggedItem

from .. import segmentation
from ..bulk import insert_rows
from ..lessons import kind_of
from ..models import Place, Practice, Recommendation, SearchEntry, Section, SourceDocument, Status, Theme
from ..text.query import index_words, unique_characters

BATCH = 2000


# --- the index ---------------------------------------------------------------------


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC), so 產學研 finds 产学研."""
    return _converter().convert(text) if text else text


def place_tokens(places: Iterable[Place]) -> list[str]:
    """A place and every place above it: 海淀区 is also in 北京市."""
    tokens = set()
    for place in places:
        code = place.adcode
        tokens.add(f"p{code}")
        if place.level != Place.Level.PROVINCE:
            tokens.add(f"p{code[:2]}0000")
        if place.level == Place.Level.COUNTY:
            tokens.add(f"p{code[:4]}00")
    return sorted(tokens)


def theme_tokens(themes: Iterable[Theme]) -> list[str]:
    return sorted({f"t{t.pk}" for t in themes} | {f"t{t.parent_id}" for t in themes if t.parent_id})


class Item(NamedTuple):
    """An item to index, as plain text: what ``entry_row`` turns into a row."""

    kind: str
    object_id: int
    document_id: int
    published: bool
    title: str
    body: str
    tags: list[str]


def entry_row(item: Item, *, cut: Callable[..., list[str]]) -> tuple:
    """One SearchEntry as a row of ENTRY_FIELDS (no model instance: imports index thousands at once)."""
    # Visibility, type and document as tokens too: SQLite answers every filter inside FTS5.
    tags = [*item.tags, f"vis{int(item.published)}", f"k{item.kind}", f"d{item.document_id}"]
    title, body = to_simplified(item.title), to_simplified(item.body)
    return (
        item.kind,
        item.object_id,
        item.document_id,
        item.published,
        index_words(cut(title, search=True)),
        index_words(cut(body, search=True)),
        " ".join(tags),
        # The characters of the title only: a one-character query (人, 村) finds
        # titles containing it anywhere, and bodies where it stands as a word.
        # Every character of every body would double the index for little gain.
        unique_characters(title),
    )


def entry_rows(items: list[Item]) -> Iterator[tuple]:
    """The rows of these items, in order, each made as it is consumed.

    Lazily, so that ``insert_rows`` streams each row to PostgreSQL's ``COPY``
    as soon as it is made: the server computes the ``tsvector`` and enters it
    into GIN on its own core while this process segments the next items. The
    segmenter is taken now, not at the first row: taking it may read the
    database, which a connection in the middle of a ``COPY`` cannot do.

    In this process: for an import's worth of text, forking workers and
    sending the words back costs more than the segmenting (docs/performance.md,
    Imports).
    """
    cut = segmentation.segmenter().cut
    return (entry_row(item, cut=cut) for item in items)


ENTRY_FIELDS = ["kind", "object_id", "document", "published", "title", "body", "tags", "chars"]


class _PlaceCode(NamedTuple):
    adcode: str
    level: str


class _ThemeKey(NamedTuple):
    pk: int
    parent_id: int | None


class _Lesson(NamedTuple):
    pk: int
    document_id: int
    status: str
    title: str
    body: str


def searched_text(parts: Iterable[str]) -> str:
    """A lesson's searched fields as one text, each passage once.

    An imported draft's excerpt is usually the very passage its body was cut
    from: indexing both would double the words to segment and index without
    finding anything more.
    """
    parts = [part.strip() for part in parts if part and part.strip()]
    kept: list[str] = []
    for part in parts:
        if part not in kept and not any(part in other for other in parts if other != part):
            kept.append(part)
    return "\n".join(kept)


def _lesson_links(model, ids: list[int]) -> tuple[dict, dict, dict]:
    """Each lesson's places, themes and keyword names, from three flat queries.

    Plain tuples rather than prefetched instances: building model objects (and
    taggit's per-instance managers) cost more than the queries themselves.
    """
    name = model._meta.model_name
    places: dict[int, list] = defaultdict(list)
    through = model.places.through.objects.filter(**{f"{name}_id__in": ids})
    for pk, adcode, level in through.values_list(f"{name}_id", "place__adcode", "place__level"):
        places[pk].append(_PlaceCode(adcode, level))
    themes: dict[int, list] = defaultdict(list)
    through = model.themes.through.objects.filter(**{f"{name}_id__in": ids})
    for pk, theme, parent in through.values_list(f"{name}_id", "theme_id", "theme__parent_id"):
        themes[pk].append(_ThemeKey(theme, parent))
    keywords: dict[int, list] = defaultdict(list)
    tagged = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    for pk, tag in tagged.order_by("pk").values_list("object_id", "tag__name"):
        keywords[pk].append(tag)
    return places, themes, keywords


def _lesson_entries(model, ids: Iterable[int]) -> Iterator[tuple]:
    ids = list(ids)
    # Keywords are appended to the kind's searchable text (the registry's search_text).
    kind, fields = kind_of(model).key, kind_of(model).search_text
    rows = model.objects.filter(pk__in=ids).values_list("pk", "document_id", "status", "title", *fields)
    lessons = [
        _Lesson(pk, document, status, title, searched_text(texts)) for pk, document, status, title, *texts in rows
    ]
    statuses = dict(
        SourceDocument.objects.filter(pk__in={lesson.document_id for lesson in lessons}).values_list("pk", "status")
    )
    places, themes, keywords = _lesson_links(model, ids)
    items = [
        Item(
            kind,
            lesson.pk,
            lesson.document_id,
            lesson.status == Status.PUBLISHED and statuses.get(lesson.document_id) == Status.PUBLISHED,
            lesson.title,
            "\n".join([lesson.body, " ".join(keywords[lesson.pk])]),
            place_tokens(places[lesson.pk]) + theme_tokens(themes[lesson.pk]),
        )
        for lesson in lessons
    ]
    return entry_rows(items)


class _SectionRow(NamedTuple):
    pk: int
    document_id: int
    label: str
    heading: str
    start: int
    end: int


def section_text(section: _SectionRow, *, children_starts: list[int], text: str) -> str:
    """A section's own words (of its document's ``text``): up to its first sub-section, indexed on its own."""
    end = min([start for start in children_starts if start > section.start] or [section.end])
    return text[section.start : max(end, section.start)]


def _section_entries(ids: Iterable[int]) -> Iterator[tuple]:
    # Sections carry no place tokens: a document names many places, and a
    # place query should bring up the lessons linked to the place, not every
    # section of every document that mentions it somewhere.
    sections = [
        _SectionRow(*row)
        for row in Section.objects.filter(pk__in=list(ids)).values_list(
            "pk", "document_id", "label", "heading", "start", "end"
        )
    ]
    documents = {
        pk: (text, status)
        for pk, text, status in SourceDocument.objects.filter(pk__in={s.document_id for s in sections}).values_list(
            "pk", "text", "status"
        )
    }
    children: dict[int, list[int]] = defaultdict(list)
    for parent, start in Section.objects.filter(parent_id__in=[s.pk for s in sections]).values_list(
        "parent_id", "start"
    ):
        children[parent].append(start)
    items = [
        Item(
            SearchEntry.Kind.SECTION,
            s.pk,
            s.document_id,
            documents[s.document_id][1] == Status.PUBLISHED,
            f"{s.label}{s.heading}",
            section_text(s, children_starts=children[s.pk], text=documents[s.document_id][0]),
            [],
        )
        for s in sections
    ]
    return entry_rows(items)


def entries(kind: str, ids: list[int]) -> Iterator[tuple]:
    """The index rows (ENTRY_FIELDS) of these items of one kind, built from plain rows.

    The database is read now; the rows are made as they are consumed (``entry_rows``).
    """
    if kind == SearchEntry.Kind.SECTION:
        return _section_entries(ids)
    return _lesson_entries(Practice if kind == SearchEntry.Kind.PRACTICE else Recommendation, ids)


def index(
    *,
    practices: Iterable[int] = (),
    recommendations: Iterable[int] = (),
    sections: Iterable[int] = (),
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re)index these items; items that no longer exist are dropped from the index.

    ``progress(done, total)`` is called after each batch (a rebuild's progress bar).
    """
    count = done = 0
    work = (
        (SearchEntry.Kind.PRACTICE, list(practices)),
        (SearchEntry.Kind.RECOMMENDATION, list(recommendations)),
        (SearchEntry.Kind.SECTION, list(sections)),
    )
    total = sum(len(ids) for _kind, ids in work)
    for kind, ids in work:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            rows = entries(kind, chunk)
            with transaction.atomic():
                SearchEntry.objects.filter(kind=kind, object_id__in=chunk).delete()
                # COPY on PostgreSQL, multi-row INSERTs on SQLite: no model instances to build.
                count += insert_rows(SearchEntry, ENTRY_FIELDS, rows)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return count


def index_documents(documents: Iterable[int], *, progress: Callable[[int, int], None] | None = None) -> int:
    """Everything that belongs to these documents: their lessons and their sections.

    The sections of an unpublished document are indexed as hidden entries
    (``published`` false, like every draft): staff searching with 包括草稿 find
    what a newly imported report says; readers never see them.
    """
    ids = list(documents)
    return index(
        practices=Practice.objects.filter(document_id__in=ids).values_list("pk", flat=True),
        recommendations=Recommendation.objects.filter(document_id__in=ids).values_list("pk", flat=True),
        sections=Section.objects.filter(document_id__in=ids).values_list("pk", flat=True),
        progress=progress,
    )


def remove(kind: str, ids: Iterable[int]) -> None:
    SearchEntry.objects.filter(kind=kind, object_id__in=list(ids)).delete()
