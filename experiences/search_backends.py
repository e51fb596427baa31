"""The two full-text engines behind experiences.search: SQLite FTS5 and PostgreSQL tsvector.

Both receive only quoted literals built from parsed terms (never the reader's
text as syntax) and run the same SQL shape: a match, a count, a ranked page,
and facet counts grouped in the database.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connection, transaction

from . import search_facets
from .models import SearchEntry
from .text.query import Term

# Above this many matches, place and theme facets are counted on a sample.
FACET_SAMPLE = 500
# SQLite: above this many matches, bm25 ranks the most recent RANK_WINDOW of them
# (a scan FTS5 can stop early) rather than all of them.
RANK_WINDOW = 10000
# PostgreSQL: ts_rank reads each candidate's whole tsvector (kilobytes, out of line),
# so it ranks the most recent POSTGRES_RANK_WINDOW matches, then lists the rest newest first.
POSTGRES_RANK_WINDOW = 1000
# PostgreSQL: entries are grouped in blocks of ID_BLOCK ids, a token in each vector (migration 0006),
# so GIN can find a common word's newest matches among the newest blocks when it has more than
# NARROW_ABOVE times as many matches as are wanted. Each block is a posting list of ID_BLOCK
# entries for GIN to merge: past MAX_BLOCKS of them (a word of middling frequency), narrowing
# costs more than reading its few thousand matches.
ID_BLOCK = 4096
MAX_BLOCKS = 4
NARROW_ABOVE = 4
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
        total, _ = search_facets.total_of(counts, cap=cap)
        if not total:
            return 0, {}
        sampled = search_facets.sample_sizes(counts, size=FACET_SAMPLE)
        parts, args = [], []
        for kind, size in sampled.items():
            parts.append(
                "SELECT e.id, e.kind, e.object_id, e.document_id FROM (SELECT rowid AS id "
                "FROM experiences_searchentry_fts WHERE experiences_searchentry_fts MATCH %s LIMIT %s) f "
                "CROSS JOIN experiences_searchentry e ON e.id = f.id"
            )
            args += [self.typed(prepared.match, kind), size]
        sql = f"WITH m AS MATERIALIZED ({' UNION ALL '.join(parts)}) {search_facets.facets_sql('m')}"
        rows = self._run(sql, args)
        return total, search_facets.build(counts=counts, sampled=sampled, rows=rows, cap=cap)

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None):
        """Ranked by bm25 in FTS5, then lessons boosted over sections within a window of the best matches."""
        from .search import Hit

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
        total, facets, _ = self.results(prepared, offset=0, limit=0)
        return total, facets

    def results(self, prepared: Prepared, *, offset: int, limit: int) -> tuple[int, dict, list]:
        """Counts per type; facets of a sample of recent matches of each type; the page, ranked among the
        newest matches."""
        cap = exact_total()
        with self._index_only():
            counts, top, type_newest, densities = self._type_counts(prepared, cap=cap)
            total, _ = search_facets.total_of(counts, cap=cap)
            if not total:
                return 0, {}, []
            sampled, rows = self._facet_sample(prepared, counts=counts, type_newest=type_newest, densities=densities)
            hits = []
            if limit > 0:
                window = POSTGRES_RANK_WINDOW
                estimate = sum(density * top for density in densities.values())
                newest = self._newest(prepared, n=window, estimate=estimate) if offset < window else []
                hits = self._hits(prepared, newest=newest, offset=offset, limit=limit)
        return total, search_facets.build(counts=counts, sampled=sampled, rows=rows, cap=cap), hits

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None):
        """ts_rank orders the newest POSTGRES_RANK_WINDOW matches; the others follow newest first."""
        with self._index_only():
            window = POSTGRES_RANK_WINDOW
            newest = self._newest(prepared, n=window, estimate=total) if offset < window else []
            return self._hits(prepared, newest=newest, offset=offset, limit=limit)

    def _type_counts(self, prepared: Prepared, *, cap: int) -> tuple[dict, int, dict, dict]:
        """Matches per type (up to ``cap + 1``), the newest entry id, each type's newest entry id,
        and each type's share of the entries.

        Each type is a token of the index (``kpractice``…), so GIN finds a
        type's matches directly and reading stops at the cap. A type counted
        up to the cap reached id ``reach`` doing so (matches come in id order,
        roughly): its matches are about ``(cap + 1) / reach`` of all entries.
        A type's newest entry (index ``searchentry_kind_newest``) is where its
        newest matches are looked for: the newest entries may all be of
        another type (a batch of recommendations indexed after the practices).
        """
        scans, args = [], []
        for kind in self.kinds(prepared):
            matches, match_args = self._matches(replace(prepared, match=self.typed(prepared.match, kind)))
            scans.append(f"SELECT CAST(%s AS TEXT), count(*), max(c.id) FROM (SELECT e.id {matches} LIMIT %s) c")
            # Read from the (kind, id) index. With ``kind = %s`` the planner walks the primary key
            # backwards instead, past every newer entry of the other types (3 ms behind 10,000
            # recommendations); a range on kind leaves it an ordering only that index provides.
            newest_sql = (
                f"SELECT e.id FROM {self.from_sql} WHERE e.kind BETWEEN %s AND %s "
                "ORDER BY e.kind DESC, e.id DESC LIMIT 1"
            )
            scans.append(f"SELECT CAST(%s AS TEXT), -1, ({newest_sql})")
            args += [kind, *match_args, cap + 1, kind, kind, kind]
        sql = f"{' UNION ALL '.join(scans)} UNION ALL SELECT 'top', 0, max(e.id) FROM {self.from_sql}"
        rows = self._run(sql, args)
        top = next((reach or 0 for kind, _, reach in rows if kind == "top"), 0)
        # Rows with a count of -1 carry a type's newest entry id, not a count.
        type_newest = {kind: reach or 0 for kind, n, reach in rows if n == -1}
        counted = [(kind, n, reach) for kind, n, reach in rows if kind != "top" and n > 0]
        counts = {kind: n for kind, n, _ in counted}
        densities = {kind: (n if n <= cap else n * top / max(reach, 1)) / max(top, 1) for kind, n, reach in counted}
        return counts, top, type_newest, densities

    def _facet_sample(
        self, prepared: Prepared, *, counts: dict, type_newest: dict, densities: dict
    ) -> tuple[dict, list]:
        """Each type's share of FACET_SAMPLE matches, taken among its newest, and their facet counts.

        A stratified sample: practices, recommendations and sections carry
        different places and themes, and the newest matches may all be of one
        type. Each stratum is read from the id blocks likely to hold its
        newest matches, up to the type's newest entry (see ``_newest``), so a
        common word's matches are not all read.
        """
        wanted = search_facets.sample_sizes(counts, size=FACET_SAMPLE)
        blocks = {
            kind: self._blocks(n=size, density=densities[kind], top=type_newest[kind]) if counts[kind] > size else None
            for kind, size in wanted.items()
        }
        sampled, rows = self._sample(prepared, sizes=wanted, blocks=blocks)
        # A type whose matches all lie outside the newest blocks is sampled from all of them.
        missing = {kind: size for kind, size in wanted.items() if blocks[kind] and not sampled.get(kind)}
        if missing:
            more_sampled, more_rows = self._sample(prepared, sizes=missing, blocks={})
            sampled, rows = {**sampled, **more_sampled}, rows + more_rows
        return sampled, rows

    def _sample(self, prepared: Prepared, *, sizes: dict, blocks: dict) -> tuple[dict, list]:
        parts, args = [], []
        for kind, size in sizes.items():
            typed = self._narrowed(replace(prepared, match=self.typed(prepared.match, kind)), blocks.get(kind))
            matches, match_args = self._matches(typed)
            parts.append(f"SELECT * FROM (SELECT e.kind, e.object_id, e.document_id {matches} LIMIT %s) k")
            args += [*match_args, size]
        sql = (
            f"WITH s AS MATERIALIZED ({' UNION ALL '.join(parts)}) "
            "SELECT 'sample', '', s.kind, count(*) FROM s GROUP BY s.kind UNION ALL "
            f"{search_facets.facets_sql('s')}"
        )
        rows = self._run(sql, args)
        sampled = {kind: n for facet, _, kind, n in rows if facet == "sample"}
        return sampled, [row for row in rows if row[0] != "sample"]

    def _newest(self, prepared: Prepared, *, n: int, estimate: float | None) -> list[int]:
        """The ids of the newest ``n`` matches, newest first.

        Picking them among all of a common word's matches reads and sorts tens
        of thousands of heap rows. Every entry's vector also holds its block of
        ids (``eb<id / ID_BLOCK>``, migration 0006), so GIN first narrows the
        word to the newest blocks likely to hold ``n`` matches (by ``estimate``,
        the number of matches); only if they hold fewer are all matches sorted.
        Either way the result is the same.
        """
        blocks = None
        if estimate is None or estimate > NARROW_ABOVE * n:  # else sorting a few thousand is cheap
            [(top,)] = self._run(f"SELECT max(e.id) FROM {self.from_sql}", [])
            blocks = self._blocks(n=n, density=estimate / top if estimate and top else None, top=top or 0)
        for narrowed in [self._narrowed(prepared, blocks)] + ([prepared] if blocks else []):
            matches, args = self._matches(narrowed)
            ids = [row[0] for row in self._run(f"SELECT e.id {matches} ORDER BY e.id DESC LIMIT %s", [*args, n])]
            if len(ids) >= n:
                break
        return ids

    @staticmethod
    def _blocks(*, n: int, density: float | None, top: int) -> range | None:
        """The newest id blocks that should hold twice ``n`` matches at ``density`` (matches per entry)."""
        if not top:
            return None
        span = int(2 * n / density) if density else 8 * n
        first, last = max(0, top - span) // ID_BLOCK, top // ID_BLOCK
        return range(first, last + 1) if last - first < MAX_BLOCKS else None

    def _narrowed(self, prepared: Prepared, blocks: range | None) -> Prepared:
        """``prepared`` restricted to the entries of these id blocks (through GIN: they are tokens)."""
        if not blocks:
            return prepared
        tokens = [self.literal(f"eb{block}") for block in reversed(blocks)]
        # A word of the text spelled like a block token must not pass for a recent entry.
        return replace(
            prepared,
            match=self.all_of([prepared.match, self.any_of(tokens)]),
            where=f"{prepared.where} AND e.id >= %s",
            params=[*prepared.params, blocks[0] * ID_BLOCK],
        )

    def _hits(self, prepared: Prepared, *, newest: list[int], offset: int, limit: int) -> list:
        """Hits ``offset:offset+limit``: the ``newest`` matches ranked by ts_rank, then the others newest first.

        Newest first (``filters.newest_first``): the same ids in their own order, nothing ranked.
        """
        from .search import Hit

        window = POSTGRES_RANK_WINDOW
        rows = []
        if offset < window and prepared.filters.newest_first:
            ids = newest[offset : offset + limit]
            listed = f"SELECT e.id, e.kind, e.object_id, e.document_id, 0 FROM {self.from_sql} WHERE e.id = ANY(%s)"
            found = {row[0]: row for row in self._run(listed, [ids])}
            rows = [found[i] for i in ids if i in found]
        elif offset < window:
            # Only the vectors of the window are read (and decompressed) to rank.
            rank = f"ts_rank(e.vector, to_tsquery('simple', %s)) * {LESSON_BOOST}"
            ranked = (
                f"SELECT e.id, e.kind, e.object_id, e.document_id, {rank} AS score FROM {self.from_sql} "
                "WHERE e.id = ANY(%s) ORDER BY score DESC, e.id LIMIT %s OFFSET %s"
            )
            rows = self._run(ranked, [prepared.match, newest[:window], limit, offset])
        if offset + limit > window:
            # Past the ranked window: the remaining matches follow newest first.
            matches, args = self._matches(prepared)
            start = max(offset, window)
            tail = f"SELECT e.id, e.kind, e.object_id, e.document_id, 0 {matches} ORDER BY e.id DESC LIMIT %s OFFSET %s"
            rows += self._run(tail, [*args, offset + limit - start, start])
        return [Hit(*row[:4], float(row[4] or 0)) for row in rows][:limit]


def exact_total() -> int:
    """Up to how many matches per type are counted exactly (KBASE_SEARCH_EXACT_TOTAL)."""
    return settings.KBASE_SEARCH_EXACT_TOTAL


def backend() -> Engine:
    if connection.vendor == "postgresql":
        return PostgresEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"search is not available on {connection.vendor}")
