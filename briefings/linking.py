"""A page of lessons' places, themes and keywords: flat link rows, named from a compact taxonomy.

An export or an API page links its lessons to hundreds of places. Building
each place with its parents as model instances, for every lesson, took a
third of an API page; keeping the whole taxonomy as model instances in each
process made every full garbage collection walk tens of thousands of objects
(docs/performance.md, The API). The taxonomy is kept instead as tuples of
strings and numbers, which the collector stops tracking, one per place and
theme, per content version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from taggit.models import TaggedItem

from experiences.caching import cached
from experiences.models import Place, Theme


class PlaceName(NamedTuple):
    pk: int
    adcode: str
    qualified_name: str  # 湖北武汉市
    sort_key: tuple[str, str]  # the places' own order: pinyin, then code
    filed_under: tuple[str, str]  # (adcode, qualified name) of where a briefing files it: a county's city


class ThemeName(NamedTuple):
    pk: int
    slug: str
    label: str  # 人才发展 › 人才引进与培养
    sort_key: tuple  # first-level themes' order, then their sub-themes'
    top: tuple[int, int, str]  # the first-level theme: (order, id, name)


def place_name(place: Place) -> PlaceName:
    city = place.parent if place.level == Place.Level.COUNTY and place.parent is not None else place
    return PlaceName(
        place.pk, place.adcode, place.qualified_name, (place.pinyin, place.adcode), (city.adcode, city.qualified_name)
    )


def theme_name(theme: Theme) -> ThemeName:
    top = theme.parent or theme
    key = (top.order, top.pk, theme.parent_id is not None, theme.order, theme.pk)
    return ThemeName(theme.pk, theme.slug, str(theme), key, (top.order, top.pk, top.name))


def taxonomy() -> tuple[dict[int, PlaceName], dict[int, ThemeName]]:
    """Every place and theme by id, named, per content version, in this process."""

    def build():
        return (
            {p.pk: place_name(p) for p in Place.objects.select_related("parent__parent")},
            {t.pk: theme_name(t) for t in Theme.objects.select_related("parent")},
        )

    return cached("briefing-taxonomy", build, shared=False)


def place_group(places: list[PlaceName], *, prefix: str = "") -> tuple:
    """Filed under the city (a county goes under its city; a province stays itself).

    With a prefix (a place export), the first linked place inside that place wins:
    a 湖北 briefing files a lesson linked to 北京 and 武汉 under 武汉.
    """
    if not places:
        return ((1,), _("未标注地区"))
    place = next((p for p in places if prefix and p.adcode.startswith(prefix)), places[0])
    adcode, name = place.filed_under
    return ((0, adcode), name)


def theme_group(themes: list[ThemeName]) -> tuple:
    """Filed under the top-level theme of its first theme."""
    if not themes:
        return ((1,), _("其他"))
    order, pk, name = themes[0].top
    return ((0, order, pk), name)


@dataclass
class Links:
    """A kind's places, themes and keywords by lesson."""

    places: dict[int, list[PlaceName]]
    themes: dict[int, list[ThemeName]]
    tags: dict[int, list[str]]

    @classmethod
    def of(cls, model, ids: list[int]) -> Links:
        linked = {name: _linked(model, name, ids) for name in ("places", "themes")}
        places, themes = taxonomy()
        # A place or theme made since this process last heard of a new content version (the cache
        # without Redis is per process): read it now rather than drop the link.
        places = _with_missing(places, linked["places"], Place.objects.select_related("parent__parent"), place_name)
        themes = _with_missing(themes, linked["themes"], Theme.objects.select_related("parent"), theme_name)
        return cls(
            places={
                pk: sorted((places[i] for i in found if i in places), key=lambda p: p.sort_key)
                for pk, found in linked["places"].items()
            },
            themes={
                pk: sorted((themes[i] for i in found if i in themes), key=lambda t: t.sort_key)
                for pk, found in linked["themes"].items()
            },
            tags=tag_names(model, ids),
        )


def _with_missing(known: dict, linked: dict[int, list[int]], queryset, name) -> dict:
    missing = {i for found in linked.values() for i in found} - known.keys()
    if not missing:
        return known
    return known | {obj.pk: name(obj) for obj in queryset.filter(pk__in=missing)}


def _linked(model, name: str, ids: list[int]) -> dict[int, list[int]]:
    field = model._meta.get_field(name)
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        rows = field.remote_field.through.objects.filter(**{f"{source}__in": ids}).values_list(source, target)
        for owner, other in rows:
            found[owner].append(other)
    return found


def tag_names(model, ids: list[int]) -> dict[int, list[str]]:
    """Keywords by lesson, in one query: taggit's own prefetch builds a queryset per object."""
    names: dict[int, list[str]] = defaultdict(list)
    if ids:
        rows = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
        for pk, name in rows.values_list("object_id", "tag__name"):
            names[pk].append(name)
    return names
