"""Asking: a reader's words understood as terms, matched by the database's engine, and suggestions."""

from __future__ import annotations

from django.db.models import Q

from .. import segmentation
from ..models import Place, PlaceAlias, Theme
from ..text.query import Query, Term, parse_query, tidy
from .engines import backend
from .indexing import to_simplified
from .results import hydrate
from .types import Filters, Results, Suggestion


def place_codes_for(text: str) -> tuple[str, ...]:
    """The adcode(s) a query word names: a full name, a unique short name or an alias."""
    gazetteer = segmentation.gazetteer()
    entries = gazetteer.surfaces.get(text)
    if not entries:
        return ()
    aliases = [e for e in entries if e.kind == "alias"]
    chosen = aliases or [e for e in entries if e.kind == "name"] or entries
    best = min(chosen, key=lambda e: ({"province": 0, "prefecture": 1, "county": 2}[e.level], e.adcode))
    return (best.adcode,)


def understand(raw: str) -> Query:
    return parse_query(
        raw,
        cut=lambda text: segmentation.segmenter().cut(text),
        to_simplified=to_simplified,
        place_codes=place_codes_for,
    )


def _filter_terms(filters: Filters) -> list[Term]:
    """Place and theme filters are index tokens too: one full-text query does all the matching."""
    terms = []
    if filters.place is not None:
        terms.append(Term((f"p{filters.place.adcode}",)))
    if filters.theme is not None:
        terms.append(Term((f"t{filters.theme.pk}",)))
    return terms


def search(
    query: Query, *, filters: Filters, offset: int = 0, limit: int = 20, totals: bool = True, total: int | None = None
) -> Results:
    """Ranked hits ``offset:offset+limit``; with ``totals``, also the match count and facet counts.

    ``total``: the match count from an earlier call with ``totals``, which spares counting again.
    """
    results = Results(query=query)
    if query.empty:
        return results
    engine = backend()
    prepared = engine.prepare([*query.terms, *_filter_terms(filters)], filters)
    if totals and limit > 0:
        results.total, results.facets, results.hits = engine.results(prepared, offset=offset, limit=limit)
    elif totals:
        results.total, results.facets = engine.totals(prepared)
    elif limit > 0:
        results.hits = engine.page(prepared, offset=offset, limit=limit, total=total)
    return results


def suggest(raw: str, *, include_drafts: bool = False, limit: int = 8) -> list[Suggestion]:
    """What a reader may mean while typing: themes, places (aliases too) and matching titles."""

    text = to_simplified(tidy_for_suggestions(raw))
    if not text:
        return []
    found = [
        Suggestion("theme", theme.name, theme.get_absolute_url())
        for theme in Theme.objects.filter(name__icontains=text).order_by("parent_id", "order")[:3]
    ]
    places = Place.objects.filter(Q(name__startswith=text) | Q(short_name__startswith=text)).order_by("level", "adcode")
    found += [Suggestion("place", place.name, place.get_absolute_url()) for place in places[:3]]
    for alias in PlaceAlias.objects.filter(name__startswith=text).select_related("place")[:2]:
        found.append(Suggestion("place", f"{alias.name}（{alias.place.name}）", alias.place.get_absolute_url()))
    query = understand(text)
    if not query.empty and len(found) < limit:
        hits = search(query, filters=Filters(include_drafts=include_drafts), limit=limit - len(found), totals=False)
        found += [Suggestion(r.kind, r.title, r.url) for r in hydrate(hits.hits, query=query, published_only=True)]
    return found[:limit]


def tidy_for_suggestions(raw: str) -> str:
    return tidy(raw)[:30]
