"""Exact and near duplicates of documents being imported, against the base and each other."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import chain

import numpy as np

from .models import SourceDocument
from .text.fingerprint import Sketch, shingles, similarity
from .text.sketches import MIN_SHARED_HASHES, SketchArrays

# Sketch estimates are within a few hundredths of the exact figure; a margin
# keeps a true duplicate from slipping under the threshold on estimation noise.
SKETCH_MARGIN = 0.15


@dataclass
class DuplicateInfo:
    title: str
    similarity: float
    pk: int | None = None  # an existing document; None for an earlier article of the same file
    index: int | None = None
    exact: bool = False


@dataclass
class KnownDocument:
    pk: int | None
    index: int | None
    title: str
    content_hash: str
    sketch: Sketch | None


@dataclass(frozen=True)
class StoredDocuments:
    """The base's documents by fingerprint, their sketches in arrays: a snapshot, never changed once made.

    ``entries`` by position, without their sketches: ``arranged`` holds those
    of the first ones, ``recent`` those read since the arranged arrays were
    made, until there are enough of them to merge (RECENT_KEPT): merging a few
    into arrays of millions of hashes at every import would copy them all.
    The positions of documents deleted, or whose text changed, since they
    were read are retired: no sketch, not in ``keys`` or ``by_hash``.
    ``keys``: each live document's content hash and position, by id.
    """

    entries: tuple[KnownDocument, ...] = ()
    keys: dict[int, tuple[str, int]] = field(default_factory=dict)
    by_hash: dict[str, KnownDocument] = field(default_factory=dict)
    arranged: SketchArrays = field(default_factory=lambda: SketchArrays.build([]))
    recent: SketchArrays = field(default_factory=lambda: SketchArrays.build([]))
    retired: int = 0

    def __iter__(self) -> Iterator[KnownDocument]:
        return (self.entries[position] for _digest, position in self.keys.values())

    def sketch(self, pk: int) -> Sketch | None:
        """The sketch held for the document ``pk`` (None: not in the base, or without one)."""
        if pk not in self.keys:
            return None
        position = self.keys[pk][1]
        return (self.arranged if position < self.arranged.end else self.recent).sketch(position)


_STORED: StoredDocuments | None = None  # this process's, as of the last import
_STORED_LOCK = threading.Lock()
CHUNK = 900  # ids per query, within SQLite's limit of parameters
# Retired positions kept in the arrays before the live ones are arranged afresh: this many, or this share
# of the live documents, whichever is more. Documents read since the arrays were made, kept apart: likewise.
RETIRED_KEPT, RETIRED_SHARE = 1000, 0.25
RECENT_KEPT, RECENT_SHARE = 2000, 0.05


def stored_documents() -> StoredDocuments:
    """Every document of the base, by its fingerprint only (never its text).

    Kept in this process between imports and brought up to date each time from
    every document's id, title and content hash: fingerprints are read, and
    sketches added to the arrays, only for the documents new or changed since.
    Reading and arranging every fingerprint grows with the base: at 100,000
    documents it took seconds per import (docs/performance.md, Imports). A
    sketch is a function of the text its content hash is taken from, so a
    document whose hash is unchanged keeps its sketch.
    """
    global _STORED
    current = list(SourceDocument.objects.order_by("pk").values_list("pk", "title", "content_hash"))
    with _STORED_LOCK:
        _STORED = _brought_up_to_date(_STORED or StoredDocuments(), current)
        return _STORED


def _brought_up_to_date(stored: StoredDocuments, current: list[tuple[int, str, str]]) -> StoredDocuments:
    entries, keys = list(stored.entries), dict(stored.keys)
    present = {pk for pk, _title, _digest in current}
    gone = [position for pk, (_digest, position) in stored.keys.items() if pk not in present]
    wanted, retitled = [], False
    for pk, title, digest in current:
        known = keys.get(pk)
        if known is None or known[0] != digest:
            if known is not None:
                gone.append(known[1])
            wanted.append(pk)
        elif entries[known[1]].title != title:
            entries[known[1]] = replace(entries[known[1]], title=title)
            retitled = True
    if not (gone or wanted or retitled):
        return stored
    for position in gone:
        del keys[entries[position].pk]
    added, sketches = _read_fingerprints(wanted, first=len(entries), whole=len(wanted) > len(current) // 2)
    for entry in added:
        keys[entry.pk] = (entry.content_hash, len(entries))
        entries.append(entry)
    arranged = stored.arranged.without(gone)
    recent = stored.recent.without(gone).then(sketches)
    retired = stored.retired + len(gone)
    compact = retired > max(RETIRED_KEPT, len(keys) * RETIRED_SHARE)  # mostly dead weight: arrange the live afresh
    if compact or len(recent) > max(RECENT_KEPT, len(keys) * RECENT_SHARE):
        arranged, recent = arranged.then(recent), SketchArrays.build([], first=len(entries))
    if compact:
        live = [position for _digest, position in keys.values()]
        entries = [entries[position] for position in live]
        keys = {entry.pk: (entry.content_hash, position) for position, entry in enumerate(entries)}
        arranged, recent, retired = arranged.kept(live), SketchArrays.build([], first=len(entries)), 0
    if gone or retitled or compact:
        by_hash = _by_hash([entries[position] for _digest, position in keys.values()])
    else:
        by_hash = _by_hash(added, into=dict(stored.by_hash))
    return StoredDocuments(tuple(entries), keys, by_hash, arranged, recent, retired)


def _read_fingerprints(pks: list[int], *, first: int, whole: bool) -> tuple[list[KnownDocument], SketchArrays]:
    """These documents, by id, and their sketches as arrays (positions from ``first``).

    ``whole``: most are wanted, read the table in one pass. Each chunk's hashes
    go into an array at once: as Python objects, the sketches of 100,000
    documents took a gigabyte that the process kept.
    """
    wanted = set(pks)
    columns = ("pk", "title", "content_hash", "fingerprint")
    documents_in = SourceDocument.objects.order_by("pk").values_list(*columns)
    if whole:
        rows = documents_in.iterator(chunk_size=1000)
    else:
        rows = chain.from_iterable(
            documents_in.filter(pk__in=pks[start : start + CHUNK]) for start in range(0, len(pks), CHUNK)
        )
    documents, parts, counts, sizes, chunk = [], [], [], [], []
    for pk, title, digest, data in rows:
        if pk not in wanted:
            continue
        documents.append(KnownDocument(pk, None, title, digest, None))
        sketch = Sketch.from_json(data)
        counts.append(len(sketch.hashes) if sketch else 0)
        sizes.append(sketch.size if sketch else 0)
        if sketch:
            chunk += sketch.hashes
        if len(chunk) > 100_000:
            parts.append(np.array(chunk, dtype=np.uint64))
            chunk = []
    parts.append(np.array(chunk, dtype=np.uint64))
    return documents, SketchArrays.of_hashes(np.concatenate(parts), counts=counts, sizes=sizes, first=first)


def _by_hash(entries: list[KnownDocument], *, into: dict | None = None) -> dict[str, KnownDocument]:
    """Documents by content hash; of several with one text (imported by force), the newest."""
    result = {} if into is None else into
    for entry in entries:
        other = result.get(entry.content_hash)
        if entry.content_hash and (other is None or (entry.pk or 0) > (other.pk or 0)):
            result[entry.content_hash] = entry
    return result


class _Index:
    """Known documents, searchable by sketch: the base's in arrays, this file's in posting lists."""

    def __init__(self, known: list[KnownDocument] | StoredDocuments):
        if isinstance(known, StoredDocuments):
            self.entries: list[KnownDocument] = list(known.entries)
            self.by_hash: dict[str, KnownDocument] = dict(known.by_hash)
            self.stored = (known.arranged, known.recent)
        else:
            self.entries = list(known)
            self.by_hash = _by_hash(self.entries)
            self.stored = (SketchArrays.build([entry.sketch for entry in self.entries]),)
        self.postings: dict[int, list[int]] = defaultdict(list)  # documents added since, by sketch hash

    def add(self, entry: KnownDocument) -> None:
        position = len(self.entries)
        self.entries.append(entry)
        if entry.content_hash:
            self.by_hash.setdefault(entry.content_hash, entry)
        if entry.sketch is not None:
            for value in entry.sketch.hashes:
                self.postings[value].append(position)

    def candidates(self, sketch: Sketch, *, threshold: float) -> list[KnownDocument]:
        """Known documents whose estimated similarity (``Sketch.estimate``) reaches ``threshold``.

        Documents sharing fewer than MIN_SHARED_HASHES sketch hashes are never
        candidates. The base's documents are estimated all at once with numpy:
        reports that share boilerplate (a compilation's headings, an office's
        standard phrases) share sketch hashes with hundreds of documents each.
        """
        found = [int(position) for arrays in self.stored for position in arrays.reaching(sketch, threshold=threshold)]
        shared = Counter(chain.from_iterable(self.postings[v] for v in sketch.hashes if v in self.postings))
        found += [
            position
            for position, count in shared.items()
            if count >= MIN_SHARED_HASHES and sketch.estimate(self.entries[position].sketch) >= threshold
        ]
        return [self.entries[position] for position in sorted(found)]


def find_duplicates(documents: list, *, known: list[KnownDocument] | StoredDocuments, threshold: float) -> None:
    """Set ``duplicate`` (and ``sketch``) on each planned document, in file order.

    Each new document's sketch is estimated against every known one at once
    (``_Index.candidates``); only likely duplicates are compared exactly, so
    the cost hardly grows with the base.
    """
    index = _Index(known)
    for position, document in enumerate(documents):
        if document.sketch is None:  # the importer's analysis has made it already
            document.sketch = Sketch.of(document.text)
        same = index.by_hash.get(document.content_hash)
        if same is not None:
            document.duplicate = DuplicateInfo(same.title, 1.0, pk=same.pk, index=same.index, exact=True)
        else:
            candidates = index.candidates(document.sketch, threshold=threshold - SKETCH_MARGIN)
            document.duplicate = _exact_best(document, candidates=candidates, documents=documents, threshold=threshold)
        index.add(KnownDocument(None, position, document.title, document.content_hash, document.sketch))


def _exact_best(
    document, *, candidates: list[KnownDocument], documents: list, threshold: float
) -> DuplicateInfo | None:
    if not candidates:
        return None
    mine = shingles(document.text)
    stored = _stored_shingles([k for k in candidates if k.pk])
    best = None
    for candidate in candidates:
        theirs = stored.get(candidate.pk, _NONE) if candidate.pk else shingles(documents[candidate.index].text)
        score = similarity(mine, theirs)
        if score >= threshold and (best is None or score > best.similarity):
            best = DuplicateInfo(candidate.title, round(score, 4), pk=candidate.pk, index=candidate.index)
    return best


_NONE = np.empty(0, dtype=np.uint64)
# Shingles of stored documents, by (pk, content hash): a text never changes under its hash. The
# same few documents are often the candidates of many new ones (a series of reports, a reissue).
_SHINGLES: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
SHINGLES_KEPT = 256
_SHINGLES_LOCK = threading.Lock()


def _stored_shingles(known: list[KnownDocument]) -> dict[int, np.ndarray]:
    """Shingles of these stored documents by pk, reading only the texts not shingled lately."""
    result, missing = {}, {}
    with _SHINGLES_LOCK:
        for entry in known:
            key = (entry.pk, entry.content_hash)
            if key in _SHINGLES:
                _SHINGLES.move_to_end(key)
                result[entry.pk] = _SHINGLES[key]
            else:
                missing[entry.pk] = key
    rows = SourceDocument.objects.filter(pk__in=list(missing)).values_list("pk", "text", "content_hash")
    made = {}
    for pk, text, digest in rows:
        result[pk] = shingles(text)
        if (pk, digest) == missing[pk]:  # kept under the hash of the very text it was made from
            made[missing[pk]] = result[pk]
    with _SHINGLES_LOCK:
        _SHINGLES.update(made)
        while len(_SHINGLES) > SHINGLES_KEPT:
            _SHINGLES.popitem(last=False)
    return result
