"""Full-text search over practices, recommendations and document sections.

- ``indexing``: what each item puts in the index (SearchEntry), kept in step
  by experiences.content's units of work; ``rebuilding``: all of it again,
  beside the old index on PostgreSQL, then swapped in.
- ``querying``: a reader's words parsed into quoted literals
  (experiences.text.query), matched and ranked by the engine, plus suggestions.
- ``engines``: SQLite FTS5 or PostgreSQL tsvector, following the database vendor.
- ``facets``: facet counts, exact or estimated from a sample; ``results``: hits
  turned into what a results page shows.
- ``types``: the plain types all of them share (and import from, so nothing
  here imports in a circle: tests/test_search_package.py checks it).
"""

from __future__ import annotations

from .indexing import (
    ENTRY_FIELDS,
    index,
    index_documents,
    place_tokens,
    remove,
    searched_text,
    section_text,
    theme_tokens,
    to_simplified,
)
from .querying import place_codes_for, search, suggest, tidy_for_suggestions, understand
from .rebuilding import rebuild
from .types import Facet, Filters, Hit, Results, Suggestion

__all__ = [
    "ENTRY_FIELDS",
    "Facet",
    "Filters",
    "Hit",
    "Results",
    "Suggestion",
    "index",
    "index_documents",
    "place_codes_for",
    "place_tokens",
    "rebuild",
    "remove",
    "search",
    "searched_text",
    "section_text",
    "suggest",
    "theme_tokens",
    "tidy_for_suggestions",
    "to_simplified",
    "understand",
]
