"""What both engines share: the prepared query, the literal-only match expression, the filters.

Both receive only quoted literals built from parsed terms (never the reader's
text as syntax) and run the same SQL shape: a match, a count, a ranked page,
and facet counts grouped in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from ...models import SearchEntry
from ...text.query import Term

# Above this many matches, place and theme facets are counted on a sample.
FACET_SAMPLE = 500
# Lessons rank 1.5 times higher than document sections matching as well.
LESSON_BOOST = "(CASE WHEN e.kind = 'section' THEN 1.0 ELSE 1.5 END)"


@dataclass
class Prepared:
    match: str
    where: str
    params: list
    filters: object


class Engine:
    def __init__(self, alias: str = "default"):
        self.alias = alias  # the database it reads: the primary, or a read replica

    def literal(self, word: str) -> str:
        raise NotImplementedError

    def phrase(self, words: tuple[str, ...]) -> str:
        raise NotImplementedError

    def any_of(self, parts: list[str]) -> str:
        raise NotImplementedError

    def all_of(self, parts: list[str]) -> str:
        raise NotImplementedError

    def match_expression(self, terms: list[Term]) -> str:
        parts = []
        for term in terms:
            text = self.phrase(term.words) if term.phrase else self.all_of([self.literal(w) for w in term.words])
            if term.places:
                text = self.any_of([text, *(self.literal(f"p{code}") for code in term.places)])
            parts.append(text)
        return self.all_of(parts)

    def prepare(self, terms: list[Term], filters) -> Prepared:
        where, params = self.where(filters)
        return Prepared(self.match_expression(terms), where, params, filters)

    def where(self, filters) -> tuple[str, list]:
        clauses, params = [], []
        if not filters.include_drafts:
            clauses.append("e.published = %s")
            params.append(True)
        if filters.kind:
            clauses.append("e.kind = %s")
            params.append(filters.kind)
        if filters.document:
            clauses.append("e.document_id = %s")
            params.append(filters.document)
        return (" AND ".join(clauses) or "1 = 1"), params

    def _run(self, sql: str, params: list) -> list[tuple]:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def totals(self, prepared: Prepared) -> tuple[int, dict]:
        """The number of matches and every facet's counts (type, document, province, theme).

        Matches are counted exactly up to ``exact_total()`` per type, as
        Elasticsearch does by default: past it a count only says "more than"
        (``Facet.more``; ``facets["more"]``), which spares reading every one of
        a very common word's tens of thousands of matches to count them.
        """
        raise NotImplementedError

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None) -> list:
        """Hits ``offset:offset+limit`` in rank order (``total``: the match count, if already known)."""
        raise NotImplementedError

    def results(self, prepared: Prepared, *, offset: int, limit: int) -> tuple[int, dict, list]:
        """``totals`` and ``page`` together: what one results page needs."""
        total, facets = self.totals(prepared)
        hits = self.page(prepared, offset=offset, limit=limit, total=total) if total and limit > 0 else []
        return total, facets, hits

    def kinds(self, prepared: Prepared) -> list[str]:
        return [prepared.filters.kind] if prepared.filters.kind else [k for k, _ in SearchEntry.Kind.choices]

    def typed(self, match: str, kind: str) -> str:
        """``match`` among one type's entries: the type is a token of every entry (``kpractice``…)."""
        return self.all_of([match, self.literal(f"k{kind}")])


def exact_total() -> int:
    """Up to how many matches per type are counted exactly (KBASE_SEARCH_EXACT_TOTAL)."""
    return settings.KBASE_SEARCH_EXACT_TOTAL
