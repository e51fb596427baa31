"""PostgreSQL: a tsvector per entry with a GIN index, ranked by ts_rank over a window of the newest matches.

The planner steering (why ``enable_seqscan`` is off and ``work_mem`` raised for
the search's own statements, why the match is a fenced subquery, why counts
and the newest matches are looked for in id blocks) is explained where each is
done, below; docs/performance.md gives the measurements behind it, taken with
bench/search_and_pages.py at a million practices, and why RUM is not used.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace

from django.db import connections, transaction

from ...text.query import Term
from .. import facets
from ..types import Hit
from . import base
from .base import LESSON_BOOST, Engine, Prepared, exact_total

# PostgreSQL: ts_rank reads each candidate's whole tsvector (kilobytes, out of line),
# so it ranks the most recent POSTGRES_RANK_WINDOW matches, then lists the rest newest first.
POSTGRES_RANK_WINDOW = 1000
# PostgreSQL: entries are grouped in blocks of ID_BLOCK ids, a token in each vector (migration 0006),
# so GIN can find a common word's newest matches among the newest blocks when it has more than
# NARROW_ABOVE times as many matches as are wanted. Each block is a posting list of ID_BLOCK
# entries for GIN to merge: past MAX_BLOCKS of them (a word of middling frequency), narrowing
# costs more than reading its few thousand matches (docs/performance.md has the figures).
ID_BLOCK = 4096
MAX_BLOCKS = 12
NARROW_ABOVE = 4
# Counting (``_type_counts``): each type is first counted in its newest and oldest PROBE_BLOCKS
# blocks; with at least MIN_PROBE matches in each, an estimated total (from the lower density) over
# CLEARLY_MORE times the cap is taken as "more than the cap" without counting on. With 100 matches
# the estimate's standard error is about a tenth; 1.5 times the cap is five of them.
PROBE_BLOCKS = 1
MIN_PROBE = 100
CLEARLY_MORE = 1.5
# Memory for one search's bitmaps and sorts (see ``_index_only``).
SEARCH_WORK_MEM = "32MB"
# The newest matches (``_newest``) are looked for in ever wider spans of blocks, up to this many.
WIDEST_BLOCKS = 64


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

        ``work_mem`` is raised the same way: in PostgreSQL's default 4 MB, the
        bitmap of a common word's matches at a million entries turns lossy
        (whole pages instead of rows), and every row on those pages is
        rechecked by decompressing its vector.
        """
        with transaction.atomic(using=self.alias), connections[self.alias].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('work_mem'), "
                "set_config('enable_seqscan', 'off', true), set_config('work_mem', %s, true)",
                [SEARCH_WORK_MEM],
            )
            seqscan, work_mem, _, _ = cursor.fetchone()
            try:
                yield
            finally:
                cursor.execute(
                    "SELECT set_config('enable_seqscan', %s, true), set_config('work_mem', %s, true)",
                    [seqscan, work_mem],
                )

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

        The index is in two parts (migration 0013): public entries, and the
        others. A reader's match names ``published``, which selects the public
        part, so drafts and withdrawn lessons cost readers nothing; a staff
        search reads both parts, one after the other.
        """
        columns = "e.id, e.kind, e.object_id, e.document_id, e.published"
        parts = ["e.published", "NOT e.published"] if prepared.filters.include_drafts else ["e.published"]
        inner = " UNION ALL ".join(
            f"(SELECT {columns} FROM {self.from_sql} WHERE {self.match_sql} AND {part} OFFSET 0)" for part in parts
        )
        return f"FROM ({inner}) e WHERE {prepared.where}", [*[prepared.match] * len(parts), *prepared.params]

    def totals(self, prepared: Prepared) -> tuple[int, dict]:
        total, facets, _ = self.results(prepared, offset=0, limit=0)
        return total, facets

    def results(self, prepared: Prepared, *, offset: int, limit: int) -> tuple[int, dict, list]:
        """Counts per type; facets of a sample of recent matches of each type; the page, ranked among the
        newest matches."""
        cap = exact_total()
        with self._index_only():
            counts, _top, extent, densities, presampled = self._type_counts(prepared, cap=cap)
            total, _ = facets.total_of(counts, cap=cap)
            if not total:
                return 0, {}, []
            type_newest = {kind: newest for kind, (_oldest, newest) in extent.items()}
            sampled, rows = self._facet_sample(
                prepared, counts=counts, type_newest=type_newest, densities=densities, presampled=presampled
            )
            hits = []
            if limit > 0:
                window = POSTGRES_RANK_WINDOW
                estimate = sum(densities[kind] * (newest - oldest + 1) for kind, (oldest, newest) in extent.items())
                newest = (
                    self._newest(prepared, n=window, estimate=estimate, spread=(extent, densities))
                    if offset < window
                    else []
                )
                hits = self._hits(prepared, newest=newest, offset=offset, limit=limit)
        return total, facets.build(counts=counts, sampled=sampled, rows=rows, cap=cap), hits

    def page(self, prepared: Prepared, *, offset: int, limit: int, total: int | None = None):
        """ts_rank orders the newest POSTGRES_RANK_WINDOW matches; the others follow newest first."""
        with self._index_only():
            window = POSTGRES_RANK_WINDOW
            newest = self._newest(prepared, n=window, estimate=total) if offset < window else []
            return self._hits(prepared, newest=newest, offset=offset, limit=limit)

    def _type_counts(self, prepared: Prepared, *, cap: int) -> tuple[dict, int, dict, dict, dict]:
        """Matches per type (up to ``cap + 1``), the newest entry id, each type's oldest and newest
        entry ids, each type's density (matches per entry id where its entries lie), and the newest
        matches of each type counted over all its entries (its facet sample, see ``_recount``).

        Each type is a token of the index (``kpractice``…), so GIN finds a
        type's matches directly. But GIN hands over all of a word's matches
        at once: for a word in most entries, most of a million, which takes
        it about 200 ms before the first row is read, however few are
        wanted. So each type is first counted in its newest and its oldest
        PROBE_BLOCKS id blocks only (GIN intersects the word with those
        blocks' tokens). A type whose lower density of the two puts its
        estimated total (density times the span of its ids) clearly above
        the cap is past the cap, which is all the page says of it ("超过
        10,000 条"); any other is counted over all its entries, up to the
        cap: a word that is not very common, whose matches GIN reads quickly.

        A type's newest entry (index ``searchentry_kind_newest``) is where its
        newest matches are looked for: the newest entries may all be of
        another type (a batch of recommendations indexed after the practices).
        """
        extent, top = self._extents(self.kinds(prepared))
        probes = {}
        for kind, (oldest, newest) in extent.items():
            newest_blocks = range(max(oldest, newest - PROBE_BLOCKS * ID_BLOCK + 1) // ID_BLOCK, newest // ID_BLOCK + 1)
            probes[kind] = newest_blocks
            # Also the type's oldest blocks: a word the newest reports use more than the older ones
            # (a new programme's name) must not be taken for one used as often throughout. The first
            # block mostly past the oldest entry: the one holding it may hold only a few of the type's.
            old_first = oldest // ID_BLOCK + (1 if oldest % ID_BLOCK > ID_BLOCK // 2 else 0)
            if newest_blocks[0] >= old_first + PROBE_BLOCKS:
                probes[f"{kind}|old"] = range(old_first, old_first + PROBE_BLOCKS)
        in_block = self._count_blocks(prepared, {block for blocks in probes.values() for block in blocks})
        counts, densities, recount = {}, {}, {}
        for kind, (oldest, newest) in extent.items():
            n = sum(in_block.get((kind, block), 0) for block in probes[kind])
            start = probes[kind][0] * ID_BLOCK
            densities[kind] = n / (newest - max(oldest, start) + 1)
            if start <= oldest and n <= cap:
                counts[kind] = n  # the probe saw all of the type's entries
                continue
            samples = [(n, densities[kind])]
            if f"{kind}|old" in probes:
                old_blocks = probes[f"{kind}|old"]
                old_n = sum(in_block.get((kind, block), 0) for block in old_blocks)
                samples.append((old_n, old_n / (PROBE_BLOCKS * ID_BLOCK - max(0, oldest - old_blocks[0] * ID_BLOCK))))
            if (
                all(m >= MIN_PROBE for m, _ in samples)
                and min(d for _, d in samples) * (newest - oldest + 1) > CLEARLY_MORE * cap
            ):
                counts[kind] = cap + 1
            else:
                recount[kind] = (kind, None)
        recounted, newest_rows = self._recount(prepared, list(recount), cap=cap)
        for kind, (n, span) in recounted.items():
            oldest, newest = extent[kind]
            counts[kind] = n
            densities[kind] = n / (newest - oldest + 1) if n <= cap else _density(n, span)
        counts = {kind: n for kind, n in counts.items() if n}
        # The newest matches of a type counted in full are its facet sample (see ``_facet_sample``).
        presampled = {kind: rows for kind, rows in newest_rows.items() if counts.get(kind, 0) <= cap}
        return counts, top, extent, densities, presampled

    def _extents(self, kinds: list[str]) -> tuple[dict[str, tuple[int, int]], int]:
        """Each type's oldest and newest entry ids (types without entries left out), and the newest id."""
        scans, args = [], []
        for kind in kinds:
            # Read from the (kind, id) index. With ``kind = %s`` the planner walks the primary key
            # instead, past every entry of the other types; a range on kind leaves it an ordering
            # only that index provides.
            edge = (
                f"SELECT e.id FROM {self.from_sql} WHERE e.kind BETWEEN %s AND %s ORDER BY e.kind {{0}}, e.id {{0}} "
                "LIMIT 1"
            )
            scans.append(f"SELECT CAST(%s AS TEXT), ({edge.format('ASC')}), ({edge.format('DESC')})")
            args += [kind, kind, kind, kind, kind]
        scans.append(f"SELECT 'top', 0, max(e.id) FROM {self.from_sql}")
        rows = self._run(" UNION ALL ".join(scans), args)
        top = next((newest or 0 for kind, _, newest in rows if kind == "top"), 0)
        return {kind: (oldest, newest) for kind, oldest, newest in rows if kind != "top" and newest}, top

    def _count_blocks(self, prepared: Prepared, blocks: set[int]) -> dict[tuple[str, int], int]:
        """Matches per (type, id block) in these blocks, from one scan.

        The blocks' tokens narrow GIN to their few thousand entries each; the
        type is read from the rows rather than given to GIN as a token too:
        every token GIN intersects costs a descent of its posting tree per
        candidate, and a type's token is in most entries (docs/performance.md:
        a third of the time of one typed scan per type and block).
        """
        if not blocks:
            return {}
        matches, args = self._matches(self._narrowed(prepared, range(min(blocks), max(blocks) + 1), only=blocks))
        sql = f"SELECT e.kind, e.id / {ID_BLOCK}, count(*) {matches} GROUP BY 1, 2"
        return {(kind, block): n for kind, block, n in self._run(sql, args)}

    def _recount(self, prepared: Prepared, kinds: list[str], *, cap: int) -> tuple[dict, dict]:
        """Each type's matches over all its entries, up to ``cap + 1``, with the span of ids that held
        the middle half of them; and its newest base.FACET_SAMPLE matches, newest first.

        The facet sample of a type counted in full is taken from the rows the
        count read, rather than by asking GIN for them a second time (for a
        few thousand matches of several words, that was a second scan as long
        as the count's).
        """
        if not kinds:
            return {}, {}
        ctes, selects, args = [], [], []
        for index, kind in enumerate(kinds):
            matches, match_args = self._matches(replace(prepared, match=self.typed(prepared.match, kind)))
            columns = "e.id, e.kind, e.object_id, e.document_id"
            ctes.append(f"m{index} AS MATERIALIZED (SELECT {columns} {matches} LIMIT %s)")
            args += [*match_args, cap + 1]
            # Matches come in the table's physical order: id order, but for rows written later into
            # space left on earlier pages. The quartiles, unlike the extremes, are not thrown off by those.
            selects.append(
                f"SELECT 'count', CAST(%s AS TEXT), count(*), percentile_disc(0.75) WITHIN GROUP (ORDER BY c.id) "
                f"- percentile_disc(0.25) WITHIN GROUP (ORDER BY c.id), NULL, NULL FROM m{index} c"
            )
            selects.append(
                f"(SELECT 'row', c.kind, c.id, NULL, c.object_id, c.document_id FROM m{index} c "
                "ORDER BY c.id DESC LIMIT %s)"
            )
        for kind in kinds:  # the selects' placeholders follow all the CTEs'
            args += [kind, base.FACET_SAMPLE]
        sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"
        counted, rows = {}, defaultdict(list)
        for tag, kind, n, span, object_id, document_id in self._run(sql, args):
            if tag == "count":
                counted[kind] = (n, span)
            else:
                rows[kind].append((n, (kind, object_id, document_id)))  # n: the entry's id
        # Newest first, by id: a union's rows need not keep each part's order.
        return counted, {kind: [row for _id, row in sorted(found, reverse=True)] for kind, found in rows.items()}

    def _facet_sample(
        self, prepared: Prepared, *, counts: dict, type_newest: dict, densities: dict, presampled: dict | None = None
    ) -> tuple[dict, list]:
        """Each type's share of base.FACET_SAMPLE matches, taken among its newest, and their facet counts.

        A stratified sample: practices, recommendations and sections carry
        different places and themes, and the newest matches may all be of one
        type. Each stratum is read from the id blocks likely to hold its
        newest matches, up to the type's newest entry (see ``_newest``), so a
        common word's matches are not all read. ``presampled``: the newest
        matches of types already read in full (``_recount``), newest first.
        """
        wanted = facets.sample_sizes(counts, size=base.FACET_SAMPLE)
        given = {kind: rows[: wanted[kind]] for kind, rows in (presampled or {}).items() if kind in wanted}
        blocks = {
            kind: self._blocks(n=size, density=densities[kind], top=type_newest[kind]) if counts[kind] > size else None
            for kind, size in wanted.items()
        }
        sampled, rows = self._sample(prepared, sizes=wanted, blocks=blocks, given=given)
        # A type whose matches all lie outside the newest blocks is sampled from all of them.
        missing = {kind: size for kind, size in wanted.items() if blocks[kind] and not sampled.get(kind)}
        if missing:
            more_sampled, more_rows = self._sample(prepared, sizes=missing, blocks={})
            sampled, rows = {**sampled, **more_sampled}, rows + more_rows
        return sampled, rows

    def _sample(self, prepared: Prepared, *, sizes: dict, blocks: dict, given: dict | None = None) -> tuple[dict, list]:
        parts, args = [], []
        for kind, size in sizes.items():
            if given and kind in given:
                parts.append(
                    "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) k(kind, object_id, document_id)"
                )
                args += [list(column) for column in zip(*given[kind], strict=True)] if given[kind] else [[], [], []]
                continue
            if blocks.get(kind):
                # Within a few blocks the type is read from the rows (see ``_count_blocks``).
                typed = replace(prepared, where=f"{prepared.where} AND e.kind = %s", params=[*prepared.params, kind])
                typed = self._narrowed(typed, blocks[kind])
            else:
                typed = replace(prepared, match=self.typed(prepared.match, kind))
            matches, match_args = self._matches(typed)
            parts.append(f"SELECT * FROM (SELECT e.kind, e.object_id, e.document_id {matches} LIMIT %s) k")
            args += [*match_args, size]
        sql = (
            f"WITH s AS MATERIALIZED ({' UNION ALL '.join(parts)}) "
            "SELECT 'sample', '', s.kind, count(*) FROM s GROUP BY s.kind UNION ALL "
            f"{facets.facets_sql('s')}"
        )
        rows = self._run(sql, args)
        sampled = {kind: n for facet, _, kind, n in rows if facet == "sample"}
        return sampled, [row for row in rows if row[0] != "sample"]

    def _newest(
        self, prepared: Prepared, *, n: int, estimate: float | None, spread: tuple[dict, dict] | None = None
    ) -> list[int]:
        """The ids of the newest ``n`` matches, newest first.

        Picking them among all of a common word's matches reads and sorts
        hundreds of thousands of heap rows (seconds at a million entries).
        Every entry's vector also holds its block of ids (``eb<id / ID_BLOCK>``,
        migration 0006), so GIN first narrows the word to the newest blocks
        likely to hold ``n`` matches (by ``estimate``, the number of matches).
        If they hold fewer (the estimate was off, or the newest entries are
        of another type) the span is widened (by the density those blocks
        showed, at most fourfold) and tried again, so the rows read stay within
        a few times ``n``; only past WIDEST_BLOCKS blocks
        are all matches sorted. Either way the result is the same.
        """
        if estimate is not None and estimate <= NARROW_ABOVE * n:  # sorting a few thousand is cheap
            return self._newest_among(prepared, n=n)
        [(top,)] = self._run(f"SELECT max(e.id) FROM {self.from_sql}", [])
        if not top:
            return []
        density = estimate / top if estimate else None
        span = max(int(2 * n / density) if density else 8 * n, ID_BLOCK)
        if spread is not None:
            # Spread type by type, the estimate is close enough for a smaller margin: each block costs GIN
            # a millisecond or two, a second try a statement.
            span = max(_span_holding(1.25 * n, top=top, extent=spread[0], densities=spread[1]) or span, ID_BLOCK)
        while True:
            first, last = max(0, top - span) // ID_BLOCK, top // ID_BLOCK
            if first == 0 or last - first >= WIDEST_BLOCKS:
                return self._newest_among(prepared, n=n)
            ids = self._newest_among(self._narrowed(prepared, range(first, last + 1)), n=n)
            if len(ids) >= n:
                return ids
            # Wide enough for the density just seen, with a margin; at least half again, at most fourfold.
            span = int(span * min(4.0, max(1.5, 1.3 * n / max(len(ids), 1))))

    def _newest_among(self, prepared: Prepared, *, n: int) -> list[int]:
        matches, args = self._matches(prepared)
        return [row[0] for row in self._run(f"SELECT e.id {matches} ORDER BY e.id DESC LIMIT %s", [*args, n])]

    @staticmethod
    def _blocks(*, n: int, density: float | None, top: int) -> range | None:
        """The newest id blocks that should hold twice ``n`` matches at ``density`` (matches per entry)."""
        if not top:
            return None
        span = int(2 * n / density) if density else 8 * n
        first, last = max(0, top - span) // ID_BLOCK, top // ID_BLOCK
        return range(first, last + 1) if last - first < MAX_BLOCKS else None

    def _narrowed(self, prepared: Prepared, blocks: range | None, *, only: set[int] | None = None) -> Prepared:
        """``prepared`` restricted to the entries of these id blocks (through GIN: they are tokens);
        ``only``: those of the blocks to keep."""
        if not blocks:
            return prepared
        tokens = [self.literal(f"eb{block}") for block in reversed(blocks) if only is None or block in only]
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


def _density(n: int, span: int | None) -> float:
    """Matches per entry id, from ``n`` matches whose middle half spanned ``span`` ids."""
    return n / 2 / max(span or 0, 1)


def _span_holding(wanted: float, *, top: int, extent: dict, densities: dict) -> int | None:
    """The fewest newest ids (below ``top``) expected to hold ``wanted`` matches, type by type.

    Each type's matches are spread at its own density over its own ids: the
    newest ids may all be recommendations, whose matches are fewer than the
    practices' density would promise. None if even all the ids are not expected to hold them.
    """

    def expected(span: int) -> float:
        low = top - span
        return sum(
            densities.get(kind, 0) * max(0, newest - max(oldest, low) + 1) for kind, (oldest, newest) in extent.items()
        )

    if expected(top) < wanted:
        return None
    low, high = 1, top
    while low < high:
        middle = (low + high) // 2
        if expected(middle) >= wanted:
            high = middle
        else:
            low = middle + 1
    return low
