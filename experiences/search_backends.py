"""The two full-text engines behind experiences.search: SQLite FTS5 and PostgreSQL tsvector.

Both receive only quoted literals built from parsed terms (never the reader's
text as syntax) and run the same SQL shape: a match, a count, a ranked page,
and facet counts grouped in the database.
"""

from __future__ import annotations

from django.db import connection

from .models import Place, SearchEntry, SourceDocument, Theme
from .text.query import Term

# Lessons rank 1.5 times higher than document sections matching as well.
LESSON_BOOST = "(CASE WHEN e.kind = 'section' THEN 1.0 ELSE 1.5 END)"
LEVEL_PREFIX = {Place.Level.PROVINCE: 2, Place.Level.PREFECTURE: 4, Place.Level.COUNTY: 6}


class Engine:
    from_sql: str
    match_sql: str

    def literal(self, word: str) -> str:
        raise NotImplementedError

    def phrase(self, words: tuple[str, ...]) -> str:
        raise NotImplementedError

    def any_of(self, parts: list[str]) -> str:
        raise NotImplementedError

    def all_of(self, parts: list[str]) -> str:
        raise NotImplementedError

    def order_sql(self) -> tuple[str, int]:
        """ORDER BY clause, and how many times it needs the match parameter."""
        raise NotImplementedError

    def match_expression(self, terms: list[Term]) -> str:
        parts = []
        for term in terms:
            text = self.phrase(term.words) if term.phrase else self.all_of([self.literal(w) for w in term.words])
            if term.places:
                text = self.any_of([text, *(self.literal(f"p{code}") for code in term.places)])
            parts.append(text)
        return self.all_of(parts)

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

    def _matched(self, match: str, where: str, params: list) -> tuple[str, list]:
        return (
            f"SELECT e.id, e.kind, e.object_id, e.document_id FROM {self.from_sql} WHERE {self.match_sql} AND {where}",
            [
                match,
                *params,
            ],
        )

    def count(self, match: str, where: str, params: list) -> int:
        sql, args = self._matched(match, where, params)
        return self._run(f"SELECT count(*) FROM ({sql}) m", args)[0][0]

    def page(self, match: str, where: str, params: list, *, offset: int, limit: int):
        from .search import Hit

        order, uses = self.order_sql()
        sql = (
            f"SELECT e.id, e.kind, e.object_id, e.document_id, {order} AS score FROM {self.from_sql} "
            f"WHERE {self.match_sql} AND {where} ORDER BY score {self.direction}, e.id LIMIT %s OFFSET %s"
        )
        rows = self._run(sql, [match] * uses + [match, *params, limit, offset])
        return [Hit(*row[:4], float(row[4] or 0)) for row in rows]

    def facets(self, match: str, where: str, params: list) -> dict:
        from .search import Facet

        matched, args = self._matched(match, where, params)
        facets: dict[str, list] = {}
        kinds = dict(SearchEntry.Kind.choices)
        rows = self._run(f"SELECT m.kind, count(*) FROM ({matched}) m GROUP BY m.kind ORDER BY count(*) DESC", args)
        facets["type"] = [Facet(kind, str(kinds.get(kind, kind)), n) for kind, n in rows]
        rows = self._run(
            f"SELECT m.document_id, count(*) AS n FROM ({matched}) m GROUP BY m.document_id ORDER BY n DESC LIMIT 8",
            args,
        )
        titles = dict(SourceDocument.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "title"))
        facets["document"] = [Facet(str(pk), titles.get(pk, ""), n) for pk, n in rows]
        facets["place"] = self._place_facet(matched, args)
        facets["theme"] = self._theme_facet(matched, args)
        return facets

    def _lesson_link_counts(self, matched: str, args: list, *, link: str, column: str, select: str) -> list[tuple]:
        """Distinct matched lessons per linked value, over practices and recommendations together."""
        parts = []
        for kind in ("practice", "recommendation"):
            parts.append(
                f"SELECT {select} AS value, m.kind, m.object_id FROM ({matched}) m "
                f"JOIN experiences_{kind}_{link} l ON m.kind = '{kind}' AND l.{kind}_id = m.object_id "
                f"JOIN experiences_{column} x ON x.id = l.{column}_id"
            )
        union = " UNION ".join(parts)
        sql = f"SELECT value, count(*) AS n FROM ({union}) u GROUP BY value ORDER BY n DESC, value LIMIT 12"
        return self._run(sql, args + args)

    def _place_facet(self, matched: str, args: list) -> list:
        from .search import Facet

        rows = self._lesson_link_counts(matched, args, link="places", column="place", select=self.prefix_sql(2))
        names = dict(Place.objects.filter(adcode__in=[f"{code}0000" for code, _ in rows]).values_list("adcode", "name"))
        return [Facet(f"{code}0000", names.get(f"{code}0000", code), n) for code, n in rows]

    def _theme_facet(self, matched: str, args: list) -> list:
        from .search import Facet

        rows = self._lesson_link_counts(
            matched, args, link="themes", column="theme", select="COALESCE(x.parent_id, x.id)"
        )
        themes = {t.pk: t for t in Theme.objects.filter(pk__in=[r[0] for r in rows])}
        return [Facet(themes[pk].slug, themes[pk].name, n) for pk, n in rows if pk in themes]


class SQLiteEngine(Engine):
    # The full-text match runs first, once; CROSS JOIN keeps SQLite's planner
    # from looping over the entries and re-running the match for each of them.
    from_sql = (
        "(SELECT rowid AS id, rank FROM experiences_searchentry_fts WHERE experiences_searchentry_fts MATCH %s) f "
        "CROSS JOIN experiences_searchentry e ON e.id = f.id"
    )
    match_sql = "1 = 1"
    direction = "ASC"  # bm25: lower is better

    def literal(self, word: str) -> str:
        return '"' + word.replace('"', '""') + '"'

    def phrase(self, words):
        return self.literal(" ".join(words))

    def any_of(self, parts):
        return "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def all_of(self, parts):
        return "(" + " AND ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def order_sql(self):
        # bm25 is negative, lower is better: practices and recommendations, the
        # curated lessons, come before the document sections that support them.
        return f"f.rank * {LESSON_BOOST}", 0

    @staticmethod
    def prefix_sql(length: int) -> str:
        return f"substr(x.adcode, 1, {length})"


class PostgresEngine(Engine):
    from_sql = "experiences_searchentry e"
    match_sql = "e.vector @@ to_tsquery('simple', %s)"
    direction = "DESC"

    def literal(self, word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"

    def phrase(self, words):
        return "(" + " <-> ".join(self.literal(w) for w in words) + ")"

    def any_of(self, parts):
        return "(" + " | ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def all_of(self, parts):
        return "(" + " & ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def order_sql(self):
        return f"ts_rank(e.vector, to_tsquery('simple', %s)) * {LESSON_BOOST}", 1

    @staticmethod
    def prefix_sql(length: int) -> str:
        return f"substr(x.adcode, 1, {length})"


def backend() -> Engine:
    if connection.vendor == "postgresql":
        return PostgresEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"search is not available on {connection.vendor}")
