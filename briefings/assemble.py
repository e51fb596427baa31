"""A selection turned into a briefing: grouped lessons with everything every export format prints.

Loading runs a fixed number of queries whatever the selection's size; the
result is plain data (no model instances), so the PDF, Word, CSV and JSON
writers only format it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from experiences.models import Place, Practice, Recommendation, SourceDocument, Status

from .linking import Links, place_group, theme_group
from .selection import PRACTICE, RECOMMENDATION, Selection

GROUPINGS = ("theme", "place", "none")


@dataclass
class Citation:
    document: str
    byline: str = ""
    date: str = ""
    publisher: str = ""
    section: str = ""
    url: str = ""

    def text(self) -> str:
        """The reference as a footnote gives it: 《文献》，作者（单位），2013年5月，刊载处 · 章节."""
        parts = [f"《{self.document}》"] + [p for p in (self.byline, self.date, self.publisher) if p]
        return "，".join(parts) + (f" · {self.section}" if self.section else "")


@dataclass
class SubPoint:
    pk: int
    label: str
    title: str
    body: str


@dataclass
class Lesson:
    kind: str
    pk: int
    title: str
    status: str
    places: list[str]
    themes: list[str]
    tags: list[str]
    summary: str
    body: str
    excerpt: str
    citation: Citation
    url: str
    audience: str = ""
    sub_points: list[SubPoint] = field(default_factory=list)
    behind: list[str] = field(default_factory=list)
    # Where it is filed when grouped: (sort key, heading).
    theme_group: tuple = ((1,), "")
    place_group: tuple = ((1,), "")
    # What it links to, by key (the API's "links"; the printed formats show the names above).
    keys: dict = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return _("经验做法") if self.kind == PRACTICE else _("启示建议")

    @property
    def anchor(self) -> str:
        return f"{self.kind[0]}{self.pk}"

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.splitlines() if p.strip()]


@dataclass
class Group:
    title: str
    lessons: list[Lesson]
    anchor: str = ""


@dataclass
class Briefing:
    title: str
    criteria: list[str]
    introduction: str
    grouping: str
    groups: list[Group]
    date: datetime.date
    organization: str

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for group in self.groups for lesson in group.lessons]

    @property
    def practice_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.kind == PRACTICE)

    @property
    def characters(self) -> int:
        """About how much text there is to typeset: what decides a PDF's time and size."""
        return sum(
            len(lesson.title) + len(lesson.summary) + len(lesson.body) + len(lesson.excerpt)
            + sum(len(point.title) + len(point.body) for point in lesson.sub_points)
            for lesson in self.lessons
        )  # fmt: skip

    @property
    def recommendation_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.kind == RECOMMENDATION)

    @property
    def date_display(self) -> str:
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"

    @property
    def count_display(self) -> str:
        parts = []
        if self.practice_count:
            parts.append(_("经验做法 %(n)d 条") % {"n": self.practice_count})
        if self.recommendation_count:
            parts.append(_("启示建议 %(n)d 条") % {"n": self.recommendation_count})
        return "、".join(parts)


def _citation(lesson) -> Citation:
    document = lesson.document
    return Citation(
        document=document.title,
        byline=document.byline,
        date=document.published_display,
        publisher=document.publisher,
        section=str(lesson.section) if lesson.section_id else "",
        url=document.get_absolute_url(),
    )


def _lesson(obj, *, kind: str, links: Links, place_prefix: str = "") -> Lesson:
    places = links.places.get(obj.pk, [])
    themes = links.themes.get(obj.pk, [])
    lesson = Lesson(
        kind=kind,
        pk=obj.pk,
        title=str(obj),
        status="" if obj.status == Status.PUBLISHED else obj.get_status_display(),
        places=[p.qualified_name for p in places],
        themes=[t.label for t in themes],
        tags=sorted(links.tags.get(obj.pk, [])),
        summary=getattr(obj, "summary", ""),
        body=obj.body,
        excerpt=obj.excerpt,
        citation=_citation(obj),
        url=obj.get_absolute_url(),
        audience=getattr(obj, "audience", ""),
        theme_group=theme_group(themes),
        place_group=place_group(places, prefix=place_prefix),
        keys={
            "document": obj.document_id,
            "section": obj.section_id,
            "places": [p.adcode for p in places],
            "themes": [t.slug for t in themes],
        },
    )
    if kind == RECOMMENDATION:
        lesson.sub_points = [SubPoint(c.pk, c.label, c.title, c.body) for c in obj.children.all()]
        behind = {p.pk: p for p in obj.derived_from.all()}
        for child in obj.children.all():
            behind.update((p.pk, p) for p in child.derived_from.all())
        lesson.behind = [
            f"{p.title}（{'、'.join(x.qualified_name for x in p.places.all())}）" if p.places.all() else p.title
            for p in sorted(behind.values(), key=lambda p: p.pk)
        ]
        lesson.keys |= {
            "parent": obj.parent_id,
            "sub_points": [point.pk for point in lesson.sub_points],
            "based_on": sorted(behind),
        }
    return lesson


# What a citation reads of the source document: not its text, nor its duplicate sketch.
_DOCUMENT_FIELDS = ["title", "authors", "organization", "published_year", "published_month", "publisher"]


def _load(selection: Selection, *, user) -> dict[tuple[str, int], Lesson]:
    places = Prefetch("places", queryset=Place.objects.select_related("parent__parent"))
    practice_ids = [pk for kind, pk in selection.items if kind == PRACTICE]
    recommendation_ids = [pk for kind, pk in selection.items if kind == RECOMMENDATION]
    visible_practices = Practice.objects.visible_to(user).prefetch_related(places).order_by("pk")

    def rows(model, ids):
        # Visibility is checked again here, whatever built the selection (a search index can lag behind).
        lessons = model.objects.visible_to(user).filter(pk__in=ids).select_related("document", "section")
        return lessons.defer(
            *(f"document__{f.name}" for f in SourceDocument._meta.concrete_fields if f.name not in _DOCUMENT_FIELDS
              and not f.primary_key)
        )  # fmt: skip

    children = Recommendation.objects.visible_to(user).order_by("order", "pk")
    recommendations = rows(Recommendation, recommendation_ids).prefetch_related(
        Prefetch("derived_from", queryset=visible_practices),
        Prefetch("children", queryset=children.prefetch_related(Prefetch("derived_from", queryset=visible_practices))),
    )
    prefix = selection.place_prefix
    links = Links.of(Practice, practice_ids)
    loaded = {
        (PRACTICE, p.pk): _lesson(p, kind=PRACTICE, links=links, place_prefix=prefix)
        for p in rows(Practice, practice_ids)
    }
    links = Links.of(Recommendation, recommendation_ids)
    loaded |= {
        (RECOMMENDATION, r.pk): _lesson(r, kind=RECOMMENDATION, links=links, place_prefix=prefix)
        for r in recommendations
    }
    return loaded


def load_items(items: list[tuple[str, int]], *, user) -> list[Lesson]:
    """These lessons, in this order, as every export format sees them; those the user may not see are left out."""
    loaded = _load(Selection(title="", items=items), user=user)
    return [loaded[item] for item in items if item in loaded]


def group_lessons(lessons: Iterable[Lesson], *, grouping: str) -> list[Group]:
    """Groups in theme order or place (adcode) order; lessons keep the selection's order inside a group."""
    lessons = list(lessons)
    if grouping == "none":
        return [Group(title="", lessons=lessons, anchor="g1")] if lessons else []
    buckets: dict[tuple, list[Lesson]] = {}
    for lesson in lessons:
        key = lesson.theme_group if grouping == "theme" else lesson.place_group
        buckets.setdefault(key, []).append(lesson)
    ordered = sorted(buckets.items(), key=lambda item: item[0][0])
    return [Group(title=key[1], lessons=items, anchor=f"g{i}") for i, (key, items) in enumerate(ordered, 1)]


def build_briefing(selection: Selection, *, user, grouping: str | None = None, title: str = "") -> Briefing:
    grouping = grouping if grouping in GROUPINGS else selection.default_grouping
    loaded = _load(selection, user=user)
    # Sub-points selected together with their parent are printed under it, once.
    nested = {(RECOMMENDATION, point.pk) for lesson in loaded.values() for point in lesson.sub_points}
    lessons = [loaded[item] for item in selection.items if item in loaded and item not in nested]
    return Briefing(
        title=title.strip() or selection.title,
        criteria=selection.criteria,
        introduction=selection.introduction,
        grouping=grouping,
        groups=group_lessons(lessons, grouping=grouping),
        date=timezone.localdate(),
        organization=settings.KBASE_ORGANIZATION,
    )
