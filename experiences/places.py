"""Looking places up by what a reader or curator types."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from .models import Place, PlaceAlias

_LEVEL_RANK = Case(
    When(level=Place.Level.PROVINCE, then=Value(0)),
    When(level=Place.Level.PREFECTURE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def resolve_place(term: str) -> Place | None:
    """A place from its adcode, full name, short name or alias.

    Ambiguous short names resolve to the higher level (``朝阳`` is 朝阳市 in
    辽宁 before 朝阳区 in 北京), which is what a reader typing a city means.
    """
    term = term.strip()
    if not term or len(term) > 50:
        return None
    if term.isdigit():
        return Place.objects.filter(adcode=term).first()
    for lookup in ({"name": term}, {"short_name": term}):
        place = Place.objects.filter(**lookup).order_by(_LEVEL_RANK, "adcode").first()
        if place is not None:
            return place
    alias = PlaceAlias.objects.select_related("place").filter(name=term).first()
    return alias.place if alias else None


def shown_name(term: str) -> str:
    """How a typed or linked place reads back in a form: a code (330000) as its name (浙江省), unless the
    name would stand for another place (鼓楼区 is Nanjing's; Xuzhou's 320302 stays a code)."""
    if term.strip().isdigit():
        place = resolve_place(term)
        if place is not None and resolve_place(place.name) == place:
            return place.name
    return term


def find_places(term: str, *, limit: int = 30) -> list[Place]:
    """Places a reader may mean by ``term``: names and short names containing it, pinyin and aliases
    beginning with it, codes; with or without lessons, provinces first (the /places/ search)."""
    term = term.strip()
    if not term:
        return []
    condition = Q(name__contains=term) | Q(short_name__contains=term) | Q(aliases__name__startswith=term)
    if term.isascii():
        condition |= Q(pinyin__startswith=term.lower().replace(" ", ""))
    if term.isdigit():
        condition |= Q(adcode__startswith=term)
    # By key, not DISTINCT: the alias join may repeat a place, and PostgreSQL wants DISTINCT's order in the select.
    found = Place.objects.filter(pk__in=Place.objects.filter(condition).values("pk")).select_related("parent__parent")
    return list(found.order_by(_LEVEL_RANK, "pinyin", "adcode")[:limit])
