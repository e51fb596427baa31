"""Exact and near duplicates of documents being imported, against the base and each other."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass
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


def stored_documents() -> list[KnownDocument]:
    """Every document of the base, by its fingerprint only (never its text)."""
    rows = SourceDocument.objects.values_list("pk", "title", "content_hash", "fingerprint").iterator(chunk_size=1000)
    return [KnownDocument(pk, None, title, digest, Sketch.from_json(data)) for pk, title, digest, data in rows]


# Two documents that share fewer of their sketch hashes than this are not
# compared further (unrelated texts share none).
MIN_SHARED_HASHES = 4


class _Index:
    """Known documents, searchable by sketch: the base's in numpy arrays, this file's in posting lists."""

    def __init__(self, known: list[KnownDocument]):
        self.entries: list[KnownDocument] = list(known)
        self.by_hash: dict[str, KnownDocument] = {}
        for entry in known:
            if entry.content_hash:
                self.by_hash.setdefault(entry.content_hash, entry)
        self.stored = _Sketches(known)
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

    def __init__(self, known: list[KnownDocument]):
        sketches = [(position, entry.sketch) for position, entry in enumerate(known) if entry.sketch is not None]
        width = max((len(sketch.hashes) for _, sketch in sketches), default=0)
        self.rows = np.full((len(known), width), self.PAD, dtype=np.uint64)
        self.counts = np.zeros(len(known), dtype=np.int64)  # hashes in each sketch
        self.sizes = np.zeros(len(known), dtype=np.float64)
        for position, sketch in sketches:
            self.rows[position, : len(sketch.hashes)] = np.array(sketch.hashes, dtype=np.uint64)
            self.counts[position] = len(sketch.hashes)
            self.sizes[position] = sketch.size
        filled = self.rows != self.PAD
        order = np.argsort(self.rows[filled], kind="stable")
        self.hashes = self.rows[filled][order]
        self.owners = np.nonzero(filled)[0][order]

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


def find_duplicates(documents: list, *, known: list[KnownDocument], threshold: float) -> None:
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
