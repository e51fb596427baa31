"""The visual overview of the home page and /places/: lessons per province and city, per theme, per year.

Plain data for static/js/overview.js (ECharts) and for the table beside it,
which screen readers and browsers without JavaScript read instead. Place and
theme figures come from the maintained counts (experiences.counting), the
years from one grouped query per lesson kind; the views cache the result per
content version.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from django.db.models import Count, QuerySet
from django.urls import reverse

from .browsing import LESSON_INDEX, ThemeNode
from .models import Place
from .text.places import MUNICIPALITIES


@dataclass(frozen=True)
class Area:
    """A province (shaded on the map) or a city (a bubble at its coordinates)."""

    adcode: str
    name: str
    practices: int
    recommendations: int
    url: str
    longitude: float | None = None
    latitude: float | None = None

    @property
    def total(self) -> int:
        return self.practices + self.recommendations


@dataclass(frozen=True)
class Bar:
    label: str
    practices: int
    recommendations: int
    url: str = ""


@dataclass
class Overview:
    provinces: list[Area]
    cities: list[Area]
    themes: list[Bar]
    years: list[Bar]

    def as_json(self) -> dict:
        """What the page embeds for the charts (``json_script``: escaped for a <script> element)."""
        return {
            "provinces": [{**asdict(a), "total": a.total} for a in self.provinces],
            "cities": [{**asdict(a), "total": a.total} for a in self.cities],
            "themes": [asdict(b) for b in self.themes],
            "years": [asdict(b) for b in self.years],
        }


def areas(counts: dict[tuple[str, str], int]) -> tuple[list[Area], list[Area]]:
    """Provinces and cities (prefectures; the four municipalities are cities too) with lessons, most first."""
    by_prefix: dict[str, list[int]] = {}
    for (kind, key), n in counts.items():
        if key.startswith("place:") and kind in LESSON_INDEX and n:
            by_prefix.setdefault(key[6:], [0, 0])[LESSON_INDEX[kind]] = n
    url = reverse("experiences:place_detail", kwargs={"adcode": "000000"}).replace("000000", "{}")
    provinces, cities = [], []
    places = Place.objects.filter(level__in=[Place.Level.PROVINCE, Place.Level.PREFECTURE]).order_by()
    for adcode, name, level, longitude, latitude in places.values_list(
        "adcode", "name", "level", "longitude", "latitude"
    ):
        prefix = adcode[:2] if level == Place.Level.PROVINCE else adcode[:4]
        if prefix not in by_prefix:
            continue
        practices, recommendations = by_prefix[prefix]
        area = Area(adcode, name, practices, recommendations, url.format(adcode), longitude, latitude)
        if level == Place.Level.PROVINCE:
            provinces.append(area)
        if level == Place.Level.PREFECTURE or adcode in MUNICIPALITIES:
            cities.append(area)
    order = lambda area: (-area.total, area.adcode)  # noqa: E731
    return sorted(provinces, key=order), sorted(cities, key=order)


def theme_bars(tree: list[ThemeNode]) -> list[Bar]:
    """First-level themes with lessons (their sub-themes included), most first."""
    bars = [
        Bar(node.theme.name, node.practices, node.recommendations, node.theme.get_absolute_url())
        for node in tree
        if node.total
    ]
    return sorted(bars, key=lambda b: -(b.practices + b.recommendations))


def year_bars(*, practices: QuerySet, recommendations: QuerySet) -> list[Bar]:
    """Lessons by the year of their source report, oldest first; reports without a year are left out."""
    per_kind: list[Counter] = []
    for lessons in (practices, recommendations):
        rows = lessons.filter(document__published_year__isnull=False).values("document__published_year")
        per_kind.append(
            Counter({r["document__published_year"]: r["n"] for r in rows.annotate(n=Count("pk")).order_by()})
        )
    years = sorted(set(per_kind[0]) | set(per_kind[1]))
    return [Bar(f"{year}", per_kind[0][year], per_kind[1][year]) for year in years]


def overview(*, counts: dict[tuple[str, str], int], tree: list[ThemeNode], practices, recommendations) -> Overview:
    provinces, cities = areas(counts)
    return Overview(
        provinces=provinces,
        cities=cities,
        themes=theme_bars(tree),
        years=year_bars(practices=practices, recommendations=recommendations.filter(parent=None)),  # points
    )
