"""The process-wide segmenter and gazetteer, built from the database.

jieba's dictionary takes about a second to load; a web worker pays that once,
at start-up (kbase/startup.py), and shares it between the importer and search.
Both are built again when places, their aliases or the themes change (the
gazetteer version, bumped when a unit of work that changed places,
aliases or themes commits): with a shared cache (Redis) in every
worker, with the per-process default in the worker that made the change.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import transaction

from .caching import bump_version, read_version
from .models import Place, PlaceAlias, SourceDocument, Theme
from .text.places import Gazetteer
from .text.segment import Segmenter, dictionary_tags

_lock = threading.Lock()
_state: dict[str, object] = {}
VERSION_KEY = "kbase:gazetteer-version"


def taxonomy_changed() -> None:
    """Call when places, aliases or themes change: segmenter and gazetteer are rebuilt on next use.

    Bumped once the change is committed, or a worker could rebuild from the
    old rows and keep them under the new version.
    """
    transaction.on_commit(lambda: bump_version(VERSION_KEY))


def _drop_if_outdated() -> None:
    # A culled version entry gets this worker's back, rather than forcing a rebuild (a second).
    version = read_version(VERSION_KEY, keep=_state.get("version"))
    if "version" in _state and _state["version"] == version:
        return
    with _lock:
        if "version" in _state and _state["version"] != version:
            _state.pop("gazetteer", None)
            _state.pop("segmenter", None)
        _state["version"] = version


def gazetteer() -> Gazetteer:
    _drop_if_outdated()
    with _lock:
        if "gazetteer" not in _state:
            places = Place.objects.values_list("adcode", "name", "short_name", "level")
            aliases = PlaceAlias.objects.values_list("name", "place__adcode")
            _state["gazetteer"] = Gazetteer.build(places=places, aliases=aliases, dictionary_tags=dictionary_tags())
        return _state["gazetteer"]


def segmenter() -> Segmenter:
    _drop_if_outdated()
    existing = _state.get("segmenter")
    if existing is not None:
        return existing
    places = gazetteer()
    with _lock:
        if "segmenter" not in _state:
            keywords = {word for words in Theme.objects.values_list("keywords", flat=True) for word in words or []}
            user_words = [*places.user_words(), *((word, None, None) for word in sorted(keywords))]
            _state["segmenter"] = Segmenter(
                user_words=user_words, cache_dir=str(settings.VAR_DIR), engine=settings.KBASE_SEGMENTER
            )
        return _state["segmenter"]


def reset() -> None:
    """Forget the cached gazetteer and segmenter (after the gazetteer or themes change)."""
    with _lock:
        _state.clear()


def document_frequencies():
    """Paragraph frequencies of terms over every document in the base (the IDF table), built once."""
    from .text.keywords import DocumentFrequencies
    from .text.segment import Words

    existing = _state.get("frequencies")
    if existing is not None:
        return existing
    words = segmenter()
    frequencies = DocumentFrequencies()
    for text in SourceDocument.objects.values_list("text", flat=True).iterator(chunk_size=200):
        frequencies.add(Words(words.cut(text)).paragraphs())
    with _lock:
        _state.setdefault("frequencies", frequencies)
    return _state["frequencies"]


def add_to_frequencies(contributions) -> None:
    """Keep the cached IDF table in step after an import, without recounting the base."""
    frequencies = _state.get("frequencies")
    if frequencies is None:
        return
    with _lock:
        for contribution in contributions:
            frequencies.merge(contribution)
