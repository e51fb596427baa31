"""Turning search hits into what the results page shows: objects, snippets and facet links."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from .. import browsing
from ..lessons import is_lesson, kind_of
from ..models import Practice, Recommendation, SearchEntry, Section
from ..text.passages import Fragment
from ..text.query import Query
from ..text.snippets import snippet
from .types import Hit


@dataclass
class Result:
    kind: str
    kind_label: str
    title: str
    url: str
    snippet: list[Fragment]
    obj: object
    document_title: str


def hydrate(hits: list[Hit], *, query: Query, published_only: bool) -> list[Result]:
    """The objects behind a page of hits, in rank order, each with a marked snippet."""
    ids: dict[str, list[int]] = {}
    for hit in hits:
        ids.setdefault(hit.kind, []).append(hit.object_id)
    objects = {}
    practices = browsing.practices_for_listing(Practice.objects.filter(pk__in=ids.get("practice", [])))
    objects.update({("practice", p.pk): p for p in practices})
    recommendations = browsing.recommendations_for_listing(
        Recommendation.objects.filter(pk__in=ids.get("recommendation", [])), published_only=published_only
    )
    objects.update({("recommendation", r.pk): r for r in recommendations})
    sections = Section.objects.filter(pk__in=ids.get("section", [])).select_related("document")
    objects.update({("section", s.pk): s for s in sections})
    words = query.highlights
    labels = dict(SearchEntry.Kind.choices)
    results = []
    for hit in hits:
        obj = objects.get((hit.kind, hit.object_id))
        if obj is None:
            continue  # deleted since it was indexed
        results.append(_result(hit.kind, str(labels[hit.kind]), obj, words))
    return results


def _result(kind: str, label: str, obj, words: list[str]) -> Result:
    if is_lesson(kind):
        # A lesson's snippet comes from its searched text (the registry's), its title as it prints (with its label).
        text = " ".join(filter(None, (getattr(obj, name) for name in kind_of(kind).search_text)))
        return Result(kind, label, str(obj), obj.get_absolute_url(), snippet(text, words), obj, obj.document.title)
    title = f"{obj.label}{obj.heading}" or _("正文")
    return Result(kind, label, title, obj.get_absolute_url(), snippet(obj.text, words), obj, obj.document.title)


@dataclass
class Alternatives:
    """What a search that found nothing offers instead."""

    without_filters: str = ""  # the same words, every filter dropped
    single_words: list[tuple[str, str]] = field(default_factory=list)  # (word, url): one word of several
    suggestions: list = field(default_factory=list)  # themes, places and titles the words begin (search.suggest)


def alternatives(params, *, query: Query, suggest) -> Alternatives:
    """Ways on from an empty result: fewer filters, fewer words, or what the words begin."""
    result = Alternatives()
    filtered = [key for key in ("type", "place", "theme", "document") if params.get(key)]
    if filtered:
        result.without_filters = "?" + urlencode({"q": query.text})
    words = [" ".join(term.words) for term in query.terms]
    if len(words) > 1:
        result.single_words = [(word, "?" + urlencode({"q": word})) for word in dict.fromkeys(words)]
    # What each word begins (a place, a theme, a title): at most three words, so three lookups.
    seen = set()
    for word in list(dict.fromkeys(words))[:3]:
        for item in suggest(word, include_drafts=False):
            if item.url not in seen and len(result.suggestions) < 8:
                seen.add(item.url)
                result.suggestions.append(item)
    return result
