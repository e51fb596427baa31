"""Looking places up by what a reader or curator types."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

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
