"""Facet counts of a search: documents, provinces and top-level themes of the matches.

Counting them over tens of thousands of matches would cost more than the
search itself, so above a sample size they are estimated from a sample drawn
from each type in proportion to its matches (a stratified sample: practices,
recommendations and sections have different places and themes), each type's
counts scaled up by its own ratio. The engines draw the sample and count it
with ``facets_sql``; ``build`` turns the counts into what the page shows.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ..lessons import KINDS
from ..models import Place, SearchEntry, SourceDocument, Theme
from .types import Facet


def facets_sql(sample: str) -> str:
    """Counts per (facet, value, type) of the matches in the CTE ``sample`` (kind, object_id, document_id).

    One statement for all facets, so the match (and its sample) is computed once.
    Lessons linked to two places of one province count once (UNION, not UNION ALL).
    """
    links = []
    for facet, link, column, value in (
        ("place", "places", "place", "substr(x.adcode, 1, 2)"),
        ("theme", "themes", "theme", "COALESCE(x.parent_id, x.id)"),
    ):
        for kind in KINDS:
            through = getattr(kind.model, link).through._meta.db_table
            links.append(
                f"SELECT '{facet}' AS facet, CAST({value} AS TEXT) AS value, m.kind, m.object_id FROM {sample} m "
                f"JOIN {through} l ON m.kind = '{kind.key}' AND l.{kind.link_field} = m.object_id "
                f"JOIN experiences_{column} x ON x.id = l.{column}_id"
            )
    return (
        f"SELECT 'document' AS facet, CAST(s.document_id AS TEXT) AS value, s.kind, count(*) FROM {sample} s "
        f"GROUP BY s.document_id, s.kind UNION ALL "
        f"SELECT u.facet, u.value, u.kind, count(*) FROM ({' UNION '.join(links)}) u GROUP BY u.facet, u.value, u.kind"
    )


def sample_sizes(counts: dict[str, int], *, size: int) -> dict[str, int]:
    """How many of each type's matches to sample: ``size`` in all, shared in proportion, at least one each."""
    total = sum(counts.values())
    return {kind: min(n, max(1, math.ceil(size * n / total))) for kind, n in counts.items() if n}


def total_of(counts: dict[str, int], *, cap: int) -> tuple[int, bool]:
    """The total of the per-type counts (each counted up to ``cap + 1``), and whether it is only a floor."""
    if any(n > cap for n in counts.values()):
        return cap, True
    return sum(counts.values()), False


def build(*, counts: dict[str, int], sampled: dict[str, int], rows: list[tuple], cap: int) -> dict:
    """The facets of a results page: counts per type, and documents, provinces and themes estimated from the sample.

    ``counts``: matches per type (up to ``cap + 1``); ``sampled``: how many
    of each type were sampled; ``rows``: (facet, value, kind, count) of the sample.
    When a count is only a floor, the sample cannot be scaled to the whole:
    each value then shows its share of the matches instead (``share``).
    """
    floors = {kind: min(n, cap) for kind, n in counts.items()}
    estimated: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for facet, value, kind, n in rows:
        if sampled.get(kind):
            estimated[facet][value] += n * floors.get(kind, 0) / sampled[kind]
    more = any(n > cap for n in counts.values())
    facets = _label(
        types=[(kind, n) for kind, n in counts.items() if n],
        estimated={facet: [(v, round(n)) for v, n in values.items()] for facet, values in estimated.items()},
        cap=cap,
    )
    if more:
        whole = sum(floors.values())
        for facet in ("place", "theme", "document"):
            for item in facets[facet]:
                item.share = max(1, round(100 * item.count / whole))
    facets["approximate"] = any(sampled.get(kind, 0) < n for kind, n in counts.items() if n)
    facets["more"] = more
    return facets


def _label(*, types: list[tuple[str, int]], estimated: dict[str, list[tuple[str, int]]], cap: int) -> dict:
    def top(rows, limit):
        return sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]

    labels = dict(SearchEntry.Kind.choices)
    documents = top(estimated.get("document", []), 8)
    titles = dict(SourceDocument.objects.filter(pk__in=[int(v) for v, _ in documents]).values_list("pk", "title"))
    places = top(estimated.get("place", []), 12)
    names = dict(Place.objects.filter(adcode__in=[f"{v}0000" for v, _ in places]).values_list("adcode", "name"))
    themes = top(estimated.get("theme", []), 12)
    theme_objects = {str(t.pk): t for t in Theme.objects.filter(pk__in=[int(v) for v, _ in themes])}
    return {
        "type": [Facet(v, str(labels.get(v, v)), min(n, cap), more=n > cap) for v, n in top(types, 3)],
        "place": [Facet(f"{v}0000", names.get(f"{v}0000", v), n) for v, n in places],
        "theme": [Facet(theme_objects[v].slug, theme_objects[v].name, n) for v, n in themes if v in theme_objects],
        "document": [Facet(v, titles.get(int(v), ""), n) for v, n in documents],
    }
