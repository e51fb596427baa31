"""Side-by-side comparison (对比): what two to five places did about the same themes.

The question behind every 经验借鉴 report is "what did these cities do
differently about X?". A comparison takes the places, optionally a theme and
words, and answers with a table: one column per place, one row per theme
(the first-level themes, or the chosen theme's sub-themes), each cell the
practices of that place filed there, newest first, with their count.

Practices are selected with the practice list's own FilterSet (place with the
places under it, theme with its sub-themes, words), so a cell's count is what
the list it links to shows.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .caching import cached
from .filters import PracticeFilterSet
from .models import Place, Practice, Theme
from .places import resolve_place, shown_name

MIN_PLACES, MAX_PLACES = 2, 5
PER_CELL = 5  # titles shown in a cell; the count and a link give the rest
TITLE_SCAN = 2000  # newest theme links read per place to find those titles
_SEPARATORS = re.compile(r"[,，、;；\s]+")


class PlacesField(forms.CharField):
    """Two to five places, by name, short name, alias or code, separated by commas or spaces."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("如 武汉、杭州、苏州")}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        """Codes from a link (420100,330100) show as names where the name says the same."""
        if isinstance(value, str) and re.fullmatch(r"[0-9,\s]+", value):
            return "、".join(shown_name(code) for code in filter(None, _SEPARATORS.split(value)))
        return value

    def clean(self, value):
        value = super().clean(value)
        places, unknown = [], []
        for term in filter(None, _SEPARATORS.split(value or "")):
            place = resolve_place(term)
            if place is None:
                unknown.append(term)
            elif place not in places:
                places.append(place)
        if unknown:
            raise forms.ValidationError(
                _("没有找到地区：%(names)s。"), code="unknown", params={"names": "、".join(unknown)}
            )
        if len(places) > MAX_PLACES:
            raise forms.ValidationError(_("最多对比 %(max)d 个地区。"), code="too_many", params={"max": MAX_PLACES})
        return places


class CompareForm(forms.Form):
    places = PlacesField(label=_("地区"), required=False)
    theme = forms.ModelChoiceField(
        label=_("主题"),
        queryset=Theme.objects.select_related("parent"),
        to_field_name="slug",
        required=False,
        empty_label=_("全部主题"),
        error_messages={"invalid_choice": _("没有这个主题。")},
    )
    q = forms.CharField(label=_("关键词"), required=False, max_length=200)


@dataclass
class Cell:
    count: int = 0
    practices: list[Practice] = field(default_factory=list)
    url: str = ""


@dataclass
class Row:
    theme: Theme | None  # None: practices filed under no theme
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)


@dataclass
class Column:
    place: Place
    total: int  # the place's practices in the comparison's scope (each counted once)
    url: str  # the practice list of that scope


@dataclass
class Comparison:
    columns: list[Column]
    theme: Theme | None
    query: str
    rows: list[Row]

    @property
    def places(self) -> list[Place]:
        return [column.place for column in self.columns]


def _row_themes(theme: Theme | None) -> list[Theme]:
    """The rows: first-level themes; a first-level theme's sub-themes (and itself); a sub-theme alone."""
    if theme is None:
        return list(Theme.objects.filter(parent=None).order_by("order", "pk"))
    if theme.parent_id:
        return [theme]
    return [theme, *Theme.objects.filter(parent=theme).order_by("order", "pk")]


def _list_url(place: Place, *, theme: Theme | None, query: str) -> str:
    params = {"place": place.adcode}
    if theme is not None:
        params["theme"] = theme.slug
    if query:
        params["q"] = query
    return reverse("experiences:practice_list") + "?" + urlencode(params)


def practices_in(place: Place, *, theme: Theme | None, query: str, practices: QuerySet[Practice]) -> QuerySet:
    """A column's practices: the practice list's own filters (the place with the places under it, the
    theme with its sub-themes, the words), so a count here is the count of the list it links to."""
    data = {"place": place.adcode, "theme": theme.slug if theme else "", "q": query}
    return PracticeFilterSet(data=data, queryset=practices).qs


def cached_comparison(
    *, places: list[Place], theme: Theme | None, query: str, practices: QuerySet[Practice], variant: str
) -> Comparison:
    """``compare``, kept per content version and audience (``variant``): a province's column counts
    thousands of links."""
    key = ",".join(p.adcode for p in places) + f"|{theme.pk if theme else ''}|{query}"
    return cached(
        f"compare:{hashlib.sha1(key.encode()).hexdigest()}",
        lambda: compare(places=places, theme=theme, query=query, practices=practices),
        variant=variant,
        shared=False,  # model instances: kept in this process only
    )


def compare(*, places: list[Place], theme: Theme | None, query: str, practices: QuerySet[Practice]) -> Comparison:
    """The table for these places (in order), practices limited to ``practices`` (what the user may see)."""
    themes = _row_themes(theme)
    # A link to a sub-theme counts in its first-level theme's row, unless the rows are the sub-themes.
    row_of = {t.pk: t.pk for t in themes}
    if theme is None:
        row_of.update(dict(Theme.objects.exclude(parent=None).values_list("pk", "parent_id")))
    rows = {t.pk: Row(t, []) for t in themes}
    unfiled = Row(None, [])
    columns = []
    for place in places:
        selected = practices_in(place, theme=theme, query=query, practices=practices)
        cells = _cells(selected, row_of=row_of, by_parent=theme is None)
        for pk, row in rows.items():
            cell = cells.get(pk, Cell())
            cell.url = _list_url(place, theme=row.theme, query=query)
            row.cells.append(cell)
        # Practices filed under no theme: their own row, when the comparison is not about one theme.
        unfiled.cells.append(_unfiled(selected) if theme is None else Cell())
        columns.append(Column(place, selected.count(), _list_url(place, theme=theme, query=query)))
    ordered = [row for row in rows.values() if row.total]
    if unfiled.total:
        ordered.append(unfiled)
    return Comparison(columns=columns, theme=theme, query=query, rows=ordered)


def _cells(selected: QuerySet[Practice], *, row_of: dict[int, int], by_parent: bool) -> dict[int, Cell]:
    """One place's cells by row, in two bounded queries: distinct practices counted per row in SQL, and the
    newest links read up to TITLE_SCAN for each row's newest PER_CELL titles (a cell short of titles
    still has its count and its link to the whole list)."""
    links = Practice.themes.through.objects.filter(practice_id__in=selected.values("pk"), theme_id__in=list(row_of))
    row = Coalesce(F("theme__parent_id"), F("theme_id")) if by_parent else F("theme_id")
    counts = {
        r["row"]: r["n"] for r in links.annotate(row=row).values("row").annotate(n=Count("practice_id", distinct=True))
    }
    newest: dict[int, list[int]] = defaultdict(list)
    for practice_id, theme_id in links.order_by("-practice_id").values_list("practice_id", "theme_id")[:TITLE_SCAN]:
        ids = newest[row_of[theme_id]]
        if practice_id not in ids and len(ids) < PER_CELL:
            ids.append(practice_id)
    shown = Practice.objects.only("pk", "title").in_bulk([pk for ids in newest.values() for pk in ids])
    return {r: Cell(n, [shown[i] for i in newest[r] if i in shown]) for r, n in counts.items()}


def _unfiled(selected: QuerySet[Practice]) -> Cell:
    unfiled = selected.filter(themes=None)
    return Cell(unfiled.count(), list(unfiled.only("pk", "title").order_by("-pk")[:PER_CELL]))
