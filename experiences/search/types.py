"""The search's plain types, shared by the query side, the engines, facets and results (no ORM here).

Everything else in the package imports from this module, never the other way
round: that is what keeps the package free of import cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..text.query import Query

if TYPE_CHECKING:
    from ..models import Place, Theme


@dataclass
class Filters:
    kind: str | None = None
    document: int | None = None
    place: Place | None = None
    theme: Theme | None = None
    include_drafts: bool = False
    newest_first: bool = False  # else by relevance

    @classmethod
    def from_form(cls, data: dict, *, staff: bool) -> Filters:
        """The search form's cleaned data (experiences.filters.SearchFilterSet) as the engine's filters.

        包括草稿 counts for staff only: for readers, drafts are never matched, whatever the URL says.
        """
        return cls(
            kind=data.get("type") or None,
            document=data["document"].pk if data.get("document") else None,
            place=data.get("place"),
            theme=data.get("theme"),
            include_drafts=bool(data.get("drafts")) and staff,
            newest_first=data.get("sort") == "newest",
        )


@dataclass
class Hit:
    entry_id: int
    kind: str
    object_id: int
    document_id: int
    score: float


@dataclass
class Facet:
    value: str
    label: str
    count: int
    more: bool = False  # the count is a floor: more than ``count`` match
    share: int | None = None  # percent of a sample, when the total itself is a floor


@dataclass
class Results:
    query: Query
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[Facet]] = field(default_factory=dict)


@dataclass
class Suggestion:
    kind: str
    label: str
    url: str
