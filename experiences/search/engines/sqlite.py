"""SQLite: an FTS5 table over the entries (migration 0003), ranked by bm25."""

from __future__ import annotations

from ...text.query import Term
from .. import facets
from ..types import Hit
from . import base
from .base import Engine, Prepared, exact_total

# SQLite: above this many matches, bm25 ranks the most recent RANK_WINDOW of them
# (a scan FTS5 can stop early) rather than all of them.
RANK_WINDOW = 10000


class SQLiteEngine(Engine):
    """FTS5. Every query runs the match first, once, inside a subquery; CROSS JOIN keeps
    SQLite's planner from looping over the entries and re-running the match for each."""

    def literal(self, word: str) -> str:
        return '"' + word.replace('"', '""') + '"'

    def phrase(self, words):
        return self.literal(" ".join(words))

    def any_of(self, parts):
        return "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def all_of(self, parts):
        return "(" + " AND ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def prepare(self, terms: list[Term], filters) -> Prepared:
        """Visibility, type and document become index tokens: every question is one FTS5 match.

        No join with the entries table is needed to count or rank, which keeps
        a common word's tens of thousands of matches inside FTS5's C code.
        """
        extra = []
        if not filters.include_drafts:
            extra.append(Term(("vis1",)))
        if filters.kind:
            extra.append(Term((f"k{filters.kind}",)))
        if filters.document:
            extra.append(Term((f"d{filters.document}",)))
        return Prepared(self.match_expression([*terms, *extra]), "1 = 1", [], filters)

    def _count(self, match: str, *, limit: int) -> int:
        """Matches of ``match``, counted up to ``limit`` (FTS5 stops reading there)."""
        sql = (
            "SELECT count(*) FROM (SELECT rowid FROM experiences_searchentry_fts "
            "WHERE experiences_searchentry_fts MATCH %s LIMIT %s)"
        )
        return self._run(sql, [match, limit])[0][0]

    def totals(self, prepared: Prepared) -> tuple[int, dict]:
        cap = exact_total()
        counts = {kind: self._count(self.typed(prepared.match, kind), limit=cap + 1) for kind in self.kinds(prepared)}
        counts = {kind: n for kind, n in counts.items() if n}
        total, _ = facets.total_of(counts, cap=cap)
        if not total:
            return 0, {}
        sampled = facets.sample_sizes(counts, size=base.FACET_SAMPLE)
        parts, args = [], []
        for kind, size in sampled.items():
            parts.append(
                "SELECT e.id, e.kind, e.object_id, e.document_id FROM (SELECT rowid AS id "
                "FROM experiences_searchentry_fts WHERE experiences_searchentry_fts MATCH %s LIMIT %s) f "
                "CROSS JOIN experiences_searchentry e ON e.id = f.id"
            )
            args += [self.typed(prepared.match, kind), size]
        sql = f"WITH m AS MATERIALIZED ({' UNION ALL '.join(parts)}) {facets.facets_sql('m')}"
        rows = self._run(sql, args)
        return total, facets.build(counts=counts, sampled=sampled, rows=rows, cap=cap)

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None):
        """Ranked by bm25 in FTS5, then lessons boosted over sections within a window of the best matches."""
        if prepared.filters.newest_first:  # the entries' ids grow with each (re)indexing: newest first
            newest = (
                "SELECT rowid AS id, 0 AS rank FROM experiences_searchentry_fts "
                "WHERE experiences_searchentry_fts MATCH %s ORDER BY rowid DESC LIMIT %s OFFSET %s"
            )
            rows = sorted(self._rows(newest, [prepared.match, limit, offset]), key=lambda r: -r[0])  # the join's order
            return [Hit(i, kind, object_id, document_id, 0.0) for i, _rank, kind, object_id, document_id in rows]
        window = offset + limit + max(limit, 50)
        if total is None or total >= RANK_WINDOW:  # unknown, or possibly a floor
            total = self._count(prepared.match, limit=RANK_WINDOW + 1)
        if total <= RANK_WINDOW:
            ranked = (
                "SELECT rowid AS id, rank FROM experiences_searchentry_fts "
                "WHERE experiences_searchentry_fts MATCH %s ORDER BY rank LIMIT %s"
            )
            args = [prepared.match, window]
        else:
            ranked = (
                "SELECT id, rank FROM (SELECT rowid AS id, rank FROM experiences_searchentry_fts "
                "WHERE experiences_searchentry_fts MATCH %s ORDER BY rowid DESC LIMIT %s) ORDER BY rank LIMIT %s"
            )
            args = [prepared.match, RANK_WINDOW, min(window, RANK_WINDOW)]
        rows = self._rows(ranked, args)
        # bm25 is negative, lower is better: curated lessons come before the sections supporting them.
        hits = sorted(rows, key=lambda r: (r[1] * (1.0 if r[2] == "section" else 1.5), r[0]))
        if total > RANK_WINDOW and offset + limit > RANK_WINDOW:
            # Past the ranked window, the remaining matches follow newest first.
            tail = (
                "SELECT rowid AS id, 0 AS rank FROM experiences_searchentry_fts "
                "WHERE experiences_searchentry_fts MATCH %s ORDER BY rowid DESC LIMIT %s OFFSET %s"
            )
            hits += sorted(
                self._rows(tail, [prepared.match, offset + limit - RANK_WINDOW, RANK_WINDOW]), key=lambda r: -r[0]
            )
        return [Hit(i, kind, object_id, document_id, float(rank)) for i, rank, kind, object_id, document_id in hits][
            offset : offset + limit
        ]

    def _rows(self, ranked: str, args: list) -> list[tuple]:
        sql = (
            f"SELECT f.id, f.rank, e.kind, e.object_id, e.document_id FROM ({ranked}) f "
            "CROSS JOIN experiences_searchentry e ON e.id = f.id"
        )
        return self._run(sql, args)
