"""The two full-text engines behind experiences.search: SQLite FTS5 and PostgreSQL tsvector.

Both receive only quoted literals built from parsed terms (never the reader's
text as syntax) and run the same SQL shape: a match, a count, a ranked page,
and facet counts grouped in the database.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import connection, transaction

from .models import Place, SearchEntry, SourceDocument, Theme
from .text.query import Term

# Above this many matches, place and theme facets are counted on a sample.
FACET_SAMPLE = 1000
# SQLite: above this many matches, bm25 ranks the most recent RANK_WINDOW of them
# (a scan FTS5 can stop early) rather than all of them.
RANK_WINDOW = 10000
# PostgreSQL: ts_rank reads each candidate's whole tsvector (kilobytes, out of line),
# so it ranks the most recent POSTGRES_RANK_WINDOW matches, then lists the rest newest first.
POSTGRES_RANK_WINDOW = 1000
# Lessons rank 1.5 times higher than document sections matching as well.
LESSON_BOOST = "(CASE WHEN e.kind = 'section' THEN 1.0 ELSE 1.5 END)"


@dataclass
class Prepared:
    match: str
    where: str
    params: list
    filters: object


class Engine:
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
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def totals(self, prepared: Prepared) -> tuple[int, dict]:
        """The number of matches and every facet's counts (type, document, province, theme)."""
        raise NotImplementedError

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None) -> list:
        """Hits ``offset:offset+limit`` in rank order (``total``: the match count, if already known)."""
        raise NotImplementedError

    @staticmethod
    def _facets_sql(sample: str) -> str:
        """Counts per document, province and top-level theme of the matches in the CTE ``sample``.

        One statement for all three, so the match (and its sample) is computed once.
        Lessons linked to two places of one province count once (UNION, not UNION ALL).
        """
        links = []
        for facet, link, column, value in (
            ("place", "places", "place", "substr(x.adcode, 1, 2)"),
            ("theme", "themes", "theme", "COALESCE(x.parent_id, x.id)"),
        ):
            for kind in ("practice", "recommendation"):
                links.append(
                    f"SELECT '{facet}' AS facet, CAST({value} AS TEXT) AS value, m.kind, m.object_id FROM {sample} m "
                    f"JOIN experiences_{kind}_{link} l ON m.kind = '{kind}' AND l.{kind}_id = m.object_id "
                    f"JOIN experiences_{column} x ON x.id = l.{column}_id"
                )
        return (
            f"SELECT 'document' AS facet, CAST(s.document_id AS TEXT) AS value, count(*) FROM {sample} s "
            f"GROUP BY s.document_id UNION ALL "
            f"SELECT u.facet, u.value, count(*) FROM ({' UNION '.join(links)}) u GROUP BY u.facet, u.value"
        )

    def _facets(self, grouped: dict, rows: list[tuple], *, total: int, sample: int) -> dict:
        """Facet counts from a sample scaled to the whole match, labelled for the page."""
        scale = total / sample
        for facet, value, n in rows:
            grouped[facet].append((value, round(n * scale)))
        facets = self._label(grouped)
        facets["approximate"] = sample < total
        return facets

    def _label(self, grouped: dict[str, list[tuple[str, int]]]) -> dict:
        from .search import Facet

        def top(rows, limit):
            return sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]

        kinds = dict(SearchEntry.Kind.choices)
        documents = top(grouped["document"], 8)
        titles = dict(SourceDocument.objects.filter(pk__in=[int(v) for v, _ in documents]).values_list("pk", "title"))
        places = top(grouped["place"], 12)
        names = dict(Place.objects.filter(adcode__in=[f"{v}0000" for v, _ in places]).values_list("adcode", "name"))
        themes = top(grouped["theme"], 12)
        theme_objects = {str(t.pk): t for t in Theme.objects.filter(pk__in=[int(v) for v, _ in themes])}
        return {
            "type": [Facet(v, str(kinds.get(v, v)), n) for v, n in top(grouped["type"], 3)],
            "place": [Facet(f"{v}0000", names.get(f"{v}0000", v), n) for v, n in places],
            "theme": [Facet(theme_objects[v].slug, theme_objects[v].name, n) for v, n in themes if v in theme_objects],
            "document": [Facet(v, titles.get(int(v), ""), n) for v, n in documents],
        }


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

    def _count(self, match: str) -> int:
        sql = "SELECT count(*) FROM experiences_searchentry_fts WHERE experiences_searchentry_fts MATCH %s"
        return self._run(sql, [match])[0][0]

    def totals(self, prepared: Prepared) -> tuple[int, dict]:
        kinds = [prepared.filters.kind] if prepared.filters.kind else [k for k, _ in SearchEntry.Kind.choices]
        grouped: dict[str, list[tuple[str, int]]] = {"type": [], "document": [], "place": [], "theme": []}
        for kind in kinds:
            n = self._count(self.all_of([prepared.match, self.literal(f"k{kind}")]))
            if n:
                grouped["type"].append((kind, n))
        total = sum(n for _, n in grouped["type"])
        if not total:
            return 0, {}
        sample = min(total, FACET_SAMPLE)
        matched = (
            "SELECT e.id, e.kind, e.object_id, e.document_id FROM (SELECT rowid AS id FROM experiences_searchentry_fts "
            "WHERE experiences_searchentry_fts MATCH %s LIMIT %s) f CROSS JOIN experiences_searchentry e ON e.id = f.id"
        )
        rows = self._run(f"WITH m AS MATERIALIZED ({matched}) {self._facets_sql('m')}", [prepared.match, sample])
        return total, self._facets(grouped, rows, total=total, sample=sample)

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None):
        """Ranked by bm25 in FTS5, then lessons boosted over sections within a window of the best matches."""
        from .search import Hit

        window = offset + limit + max(limit, 50)
        if total is None:
            total = self._count(prepared.match)
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


class PostgresEngine(Engine):
    """tsvector with a GIN index. Every match goes through the index (see ``_index_only``);
    ranking reads the big vectors of at most POSTGRES_RANK_WINDOW matches."""

    from_sql = "experiences_searchentry e"
    match_sql = "e.vector @@ to_tsquery('simple', %s)"

    def literal(self, word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"

    def phrase(self, words):
        return "(" + " <-> ".join(self.literal(w) for w in words) + ")"

    def any_of(self, parts):
        return "(" + " | ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def all_of(self, parts):
        return "(" + " & ".join(parts) + ")" if len(parts) > 1 else parts[0]

    @contextmanager
    def _index_only(self):
        """Match through the GIN index, never by reading every row.

        The planner prices ``@@`` as a cheap operator and, for a common word,
        prefers a sequential scan; but each row's tsvector (kilobytes, stored
        out of line) must then be fetched and decompressed: a second instead
        of tens of milliseconds. The setting is local to this transaction
        and restored as soon as the search's own statements have run.
        Plain index scans stay on: the match is fenced off (``_matches``), so
        no btree can stand in for GIN, and the facet and ranking joins want them.
        """
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
            seqscan, _ = cursor.fetchone()
            try:
                yield
            finally:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [seqscan])

    def prepare(self, terms: list[Term], filters) -> Prepared:
        """The document filter is an index token (as on SQLite): GIN intersects it with the words."""
        extra = [Term((f"d{filters.document}",))] if filters.document else []
        where, params = self.where(replace(filters, document=None))
        return Prepared(self.match_expression([*terms, *extra]), where, params, filters)

    def _matches(self, prepared: Prepared) -> tuple[str, list]:
        """``FROM … WHERE …`` of the matches, found through the GIN index alone, then filtered.

        Visibility and type filter the rows the index found. Written beside
        the match, they let the planner prefer the btree over ``published``
        or ``kind`` for a very common word, then test ``@@`` on each of
        100,000 rows, decompressing every vector: half a second instead of
        tens of milliseconds. ``OFFSET 0`` keeps the match a subquery of its
        own (nothing is pushed into it) whose rows stream, unmaterialised.
        """
        inner = (
            f"SELECT e.id, e.kind, e.object_id, e.document_id, e.published FROM {self.from_sql} "
            f"WHERE {self.match_sql} OFFSET 0"
        )
        return f"FROM ({inner}) e WHERE {prepared.where}", [prepared.match, *prepared.params]

    def totals(self, prepared: Prepared) -> tuple[int, dict]:
        """Exact counts per type, and documents, provinces and themes of a sample, in one statement.

        The sample (``s``) stops reading after FACET_SAMPLE matches; the
        counts per type read them all, from the narrow heap rows only.
        """
        matches, args = self._matches(prepared)
        sql = (
            f"WITH s AS MATERIALIZED (SELECT e.id, e.kind, e.object_id, e.document_id {matches} LIMIT %s) "
            f"SELECT 'type', e.kind, count(*) {matches} GROUP BY e.kind UNION ALL {self._facets_sql('s')}"
        )
        with self._index_only():
            rows = self._run(sql, [*args, FACET_SAMPLE, *args])
        grouped: dict[str, list[tuple[str, int]]] = {"type": [], "document": [], "place": [], "theme": []}
        grouped["type"] = [(kind, n) for facet, kind, n in rows if facet == "type"]
        total = sum(n for _, n in grouped["type"])
        if not total:
            return 0, {}
        sample = min(total, FACET_SAMPLE)
        facets = [row for row in rows if row[0] != "type"]
        return total, self._facets(grouped, facets, total=total, sample=sample)

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None):
        """ts_rank orders the matches; for a common word, the most recent POSTGRES_RANK_WINDOW of them,
        then the others newest first."""
        from .search import Hit

        matches, args = self._matches(prepared)
        window = POSTGRES_RANK_WINDOW
        rank = f"ts_rank(e.vector, to_tsquery('simple', %s)) * {LESSON_BOOST}"
        columns = "e.id, e.kind, e.object_id, e.document_id"
        # Only the ids of the matches are sorted; the vectors of the window alone are read to rank.
        recent = f"SELECT e.id {matches} ORDER BY e.id DESC LIMIT %s"
        ranked = (
            f"SELECT {columns}, {rank} AS score FROM ({recent}) r JOIN {self.from_sql} ON e.id = r.id "
            "ORDER BY score DESC, e.id LIMIT %s OFFSET %s"
        )
        tail = f"SELECT {columns}, 0 {matches} ORDER BY e.id DESC LIMIT %s OFFSET %s"
        with self._index_only():
            rows = self._run(ranked, [prepared.match, *args, window, limit, offset]) if offset < window else []
            if offset + limit > window:
                # Past the ranked window: the remaining matches follow newest first.
                start = max(offset, window)
                rows += self._run(tail, [*args, offset + limit - start, start])
        return [Hit(*row[:4], float(row[4] or 0)) for row in rows][:limit]


def backend() -> Engine:
    if connection.vendor == "postgresql":
        return PostgresEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"search is not available on {connection.vendor}")
