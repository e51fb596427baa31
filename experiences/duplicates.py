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

    ``entries`` by position. The first ``len(sketches.counts)`` are arranged in
    the arrays of ``sketches`` and hold no sketch themselves (as a tuple of
    ints, a sketch takes 5 kB); the ones after, read since, keep theirs until
    there are enough of them to arrange (RECENT_KEPT): merging a few into
    arrays of millions of hashes at every import would copy them all. The
    positions of documents deleted, or whose text changed, since they were
    read are dead: no sketch, not in ``keys`` or ``by_hash``. ``keys``: each
    live document's content hash and position, by id.
    """

    entries: tuple[KnownDocument, ...] = ()
    keys: dict[int, tuple[str, int]] = field(default_factory=dict)
    by_hash: dict[str, KnownDocument] = field(default_factory=dict)
    sketches: _Sketches = field(default_factory=lambda: _Sketches.build([]))
    dead: int = 0

    def __iter__(self) -> Iterator[KnownDocument]:
        return (self.entries[position] for _digest, position in self.keys.values())

    def sketch(self, pk: int) -> Sketch | None:
        """The sketch held for the document ``pk`` (None: not in the base, or without one)."""
        if pk not in self.keys:
            return None
        position = self.keys[pk][1]
        if position < len(self.sketches.counts):
            return self.sketches.sketch(position)
        return self.entries[position].sketch


_STORED: StoredDocuments | None = None  # this process's, as of the last import
_STORED_LOCK = threading.Lock()
CHUNK = 900  # ids per query, within SQLite's limit of parameters
# Retired positions kept in the arrays before the live ones are arranged afresh: this many, or this share
# of the live documents, whichever is more. Documents read since the arrays were made, kept apart: likewise.
DEAD_KEPT, DEAD_SHARE = 1000, 0.25
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
    dead = [position for pk, (_digest, position) in stored.keys.items() if pk not in present]
    wanted, retitled = [], False
    for pk, title, digest in current:
        known = keys.get(pk)
        if known is None or known[0] != digest:
            if known is not None:
                dead.append(known[1])
            wanted.append(pk)
        elif entries[known[1]].title != title:
            entries[known[1]] = replace(entries[known[1]], title=title)
            retitled = True
    if not (dead or wanted or retitled):
        return stored
    arranged = len(stored.sketches.counts)
    for position in dead:
        del keys[entries[position].pk]
        entries[position] = replace(entries[position], sketch=None)
    added = _read_fingerprints(wanted)
    for entry in added:
        keys[entry.pk] = (entry.content_hash, len(entries))
        entries.append(entry)
    sketches = stored.sketches.without([position for position in dead if position < arranged])
    retired = stored.dead + len(dead)
    compact = retired > max(DEAD_KEPT, len(keys) * DEAD_SHARE)  # mostly dead weight: arrange the live afresh
    if compact or len(entries) - arranged > max(RECENT_KEPT, len(keys) * RECENT_SHARE):
        sketches = sketches.appended([entry.sketch for entry in entries[arranged:]])
        entries[arranged:] = [replace(entry, sketch=None) for entry in entries[arranged:]]
    if compact:
        live = [position for _digest, position in keys.values()]
        entries = [entries[position] for position in live]
        keys = {entry.pk: (entry.content_hash, position) for position, entry in enumerate(entries)}
        sketches, retired = sketches.kept(live), 0
    if dead or retitled or compact:
        by_hash = _by_hash([entries[position] for _digest, position in keys.values()])
    else:
        by_hash = _by_hash(added, into=dict(stored.by_hash))
    return StoredDocuments(tuple(entries), keys, by_hash, sketches, retired)


def _read_fingerprints(pks: list[int]) -> list[KnownDocument]:
    """These documents' fingerprints, by id (the whole table in one pass when most are wanted)."""
    wanted = set(pks)
    columns = ("pk", "title", "content_hash", "fingerprint")
    if len(pks) > CHUNK:
        rows = SourceDocument.objects.order_by("pk").values_list(*columns).iterator(chunk_size=1000)
    else:
        rows = SourceDocument.objects.filter(pk__in=pks).order_by("pk").values_list(*columns)
    return [
        KnownDocument(pk, None, title, digest, Sketch.from_json(data))
        for pk, title, digest, data in rows
        if pk in wanted
    ]


def _by_hash(entries: list[KnownDocument], *, into: dict | None = None) -> dict[str, KnownDocument]:
    """Documents by content hash; of several with one text (imported by force), the newest."""
    result = {} if into is None else into
    for entry in entries:
        other = result.get(entry.content_hash)
        if entry.content_hash and (other is None or (entry.pk or 0) > (other.pk or 0)):
            result[entry.content_hash] = entry
    return result


# Two documents that share fewer of their sketch hashes than this are not
# compared further (unrelated texts share none).
MIN_SHARED_HASHES = 4


class _Index:
    """Known documents, searchable by sketch: the base's in numpy arrays, this file's in posting lists."""

    def __init__(self, known: list[KnownDocument] | StoredDocuments):
        self.postings: dict[int, list[int]] = defaultdict(list)  # documents added since, by sketch hash
        if isinstance(known, StoredDocuments):
            self.entries: list[KnownDocument] = list(known.entries[: len(known.sketches.counts)])
            self.by_hash: dict[str, KnownDocument] = dict(known.by_hash)
            self.stored = known.sketches
            for entry in known.entries[len(known.sketches.counts) :]:  # read since the arrays were made
                self.add(entry, hashed=False)
        else:
            self.entries = list(known)
            self.by_hash = _by_hash(self.entries)
            self.stored = _Sketches.build([entry.sketch for entry in self.entries])

    def add(self, entry: KnownDocument, *, hashed: bool = True) -> None:
        """Add a document to search (``hashed``: and to find by its content hash; the stored are already)."""
        position = len(self.entries)
        self.entries.append(entry)
        if hashed and entry.content_hash:
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
        found = list(self.stored.reaching(sketch, threshold=threshold))
        shared = Counter(chain.from_iterable(self.postings[v] for v in sketch.hashes if v in self.postings))
        found += [
            position
            for position, count in shared.items()
            if count >= MIN_SHARED_HASHES and sketch.estimate(self.entries[position].sketch) >= threshold
        ]
        return [self.entries[position] for position in sorted(found)]


class _Sketches:
    """Sketches of known documents as arrays, to estimate a new document's similarity to all of them at once.

    ``hashes``/``owners``: every sketch hash, sorted, with the position of its
    document; ``rows``: each document's sketch, sorted, padded with the largest
    value (SKETCH_SIZE columns); ``sizes``: each document's number of shingles.
    """

    PAD = np.iinfo(np.uint64).max

    def __init__(self, *, rows: np.ndarray, counts: np.ndarray, sizes: np.ndarray, hashes, owners):
        self.rows, self.counts, self.sizes, self.hashes, self.owners = rows, counts, sizes, hashes, owners
        for array in (rows, counts, sizes, hashes, owners):
            array.flags.writeable = False  # shared between imports (StoredDocuments): changed only by copying

    @classmethod
    def build(cls, sketches: list[Sketch | None], *, first: int = 0) -> _Sketches:
        """The arrays of these sketches (None: a document without one), numbered from ``first``."""
        counts = np.fromiter((len(s.hashes) if s else 0 for s in sketches), dtype=np.int64, count=len(sketches))
        sizes = np.fromiter((s.size if s else 0 for s in sketches), dtype=np.float64, count=len(sketches))
        flat = np.fromiter(
            chain.from_iterable(s.hashes for s in sketches if s), dtype=np.uint64, count=int(counts.sum())
        )
        rows = np.full((len(sketches), int(counts.max(initial=0))), cls.PAD, dtype=np.uint64)
        rows[np.arange(rows.shape[1]) < counts[:, None]] = flat  # row by row, as ``flat`` is
        return cls._of_rows(rows, counts, sizes, first=first)

    @classmethod
    def _of_rows(cls, rows: np.ndarray, counts: np.ndarray, sizes: np.ndarray, *, first: int = 0) -> _Sketches:
        flat = rows[np.arange(rows.shape[1]) < counts[:, None]]
        order = np.argsort(flat, kind="stable")
        owners = np.repeat(np.arange(first, first + len(counts), dtype=np.int32), counts)[order]
        return cls(rows=rows, counts=counts, sizes=sizes, hashes=flat[order], owners=owners)

    def appended(self, sketches: list[Sketch | None]) -> _Sketches:
        """These arrays with more documents after the last (positions from ``len(self.counts)``)."""
        if not sketches:
            return self
        more = _Sketches.build(sketches, first=len(self.counts))
        if not len(self.counts):
            return more
        width = max(self.rows.shape[1], more.rows.shape[1])
        rows = np.full((len(self.counts) + len(sketches), width), self.PAD, dtype=np.uint64)
        rows[: len(self.counts), : self.rows.shape[1]] = self.rows
        rows[len(self.counts) :, : more.rows.shape[1]] = more.rows
        # A merge of two sorted runs; of equal hashes, the new documents' come last, as one stable sort
        # of all of them would put them.
        new = np.searchsorted(self.hashes, more.hashes, "right") + np.arange(len(more.hashes))
        old = np.ones(len(self.hashes) + len(more.hashes), dtype=bool)
        old[new] = False
        hashes, owners = np.empty(len(old), dtype=np.uint64), np.empty(len(old), dtype=np.int32)
        hashes[new], hashes[old] = more.hashes, self.hashes
        owners[new], owners[old] = more.owners, self.owners
        return _Sketches(
            rows=rows,
            counts=np.concatenate([self.counts, more.counts]),
            sizes=np.concatenate([self.sizes, more.sizes]),
            hashes=hashes,
            owners=owners,
        )

    def without(self, positions: list[int]) -> _Sketches:
        """These arrays with the documents at ``positions`` never reached (their hashes stay, unowned)."""
        if not positions:
            return self
        counts, sizes = self.counts.copy(), self.sizes.copy()
        counts[positions] = 0
        sizes[positions] = 0
        return _Sketches(rows=self.rows, counts=counts, sizes=sizes, hashes=self.hashes, owners=self.owners)

    def kept(self, positions: list[int]) -> _Sketches:
        """Arrays of the documents at ``positions`` only, numbered afresh in that order."""
        return self._of_rows(self.rows[positions], self.counts[positions], self.sizes[positions])

    def sketch(self, position: int) -> Sketch | None:
        count = int(self.counts[position])
        if not count:
            return None
        return Sketch(tuple(int(value) for value in self.rows[position, :count]), int(self.sizes[position]))

    def reaching(self, sketch: Sketch, *, threshold: float) -> np.ndarray:
        """Positions of the documents whose ``Sketch.estimate`` against ``sketch`` reaches ``threshold``."""
        if not self.hashes.size or not sketch.hashes or not sketch.size:
            return np.empty(0, dtype=np.int64)
        mine = np.array(sketch.hashes, dtype=np.uint64)
        left, right = np.searchsorted(self.hashes, mine, "left"), np.searchsorted(self.hashes, mine, "right")
        lengths = right - left
        total = int(lengths.sum())
        if not total:
            return np.empty(0, dtype=np.int64)
        # Every (hash of mine, document holding it) pair.
        starts = np.repeat(left - (np.cumsum(lengths) - lengths), lengths)
        owners = self.owners[np.arange(total) + starts]
        values = np.repeat(mine, lengths)
        shared = np.bincount(owners, minlength=len(self.sizes))
        positions = np.flatnonzero((shared >= MIN_SHARED_HASHES) & (self.counts > 0))
        if not positions.size:
            return positions
        # As Sketch.estimate: below the smaller of the two sketches' largest hashes, both hold every
        # shingle hash of their document, so the union there is known.
        theirs_max = self.rows[positions, self.counts[positions] - 1]
        limit = np.minimum(theirs_max, mine[-1])
        bounds = np.full(len(self.sizes), 0, dtype=np.uint64)
        bounds[positions] = limit
        below = values <= bounds[owners]
        shared_below = np.bincount(owners[below], minlength=len(self.sizes))[positions]
        union = (
            np.searchsorted(mine, limit, "right") + (self.rows[positions] <= limit[:, None]).sum(axis=1) - shared_below
        )
        theirs = self.sizes[positions]
        with np.errstate(divide="ignore", invalid="ignore"):
            jaccard = shared_below / union
            estimate = np.minimum(
                1.0, jaccard * (sketch.size + theirs) / (1 + jaccard) / np.minimum(sketch.size, theirs)
            )
        return positions[np.where(theirs > 0, estimate, 0.0) >= threshold]


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
