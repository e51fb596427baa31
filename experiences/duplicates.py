"""Exact and near duplicates of documents being imported, against the base and each other."""

from __future__ import annotations

from collections import defaultdict
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
    """Known documents, with an inverted index from sketch hash to documents."""

    def __init__(self, known: list[KnownDocument]):
        self.entries: list[KnownDocument] = []
        self.sizes: list[int] = []  # each entry's number of shingles
        self.postings: dict[int, list[int]] = defaultdict(list)
        self.by_hash: dict[str, KnownDocument] = {}
        for entry in known:
            self.add(entry)

    def add(self, entry: KnownDocument) -> None:
        position = len(self.entries)
        self.entries.append(entry)
        self.sizes.append(entry.sketch.size if entry.sketch is not None else 0)
        if entry.content_hash:
            self.by_hash.setdefault(entry.content_hash, entry)
        if entry.sketch is not None:
            for value in entry.sketch.hashes:
                self.postings[value].append(position)

    def candidates(self, sketch: Sketch, *, threshold: float) -> list[KnownDocument]:
        """Known documents that may reach ``threshold``, judged first by how many sketch hashes they share.

        Sharing ``n`` of ``k`` hashes bounds the Jaccard estimate by n/k, and
        so the overlap coefficient; most documents are ruled out on that count.
        Counted with numpy: reports that share boilerplate (a compilation's
        headings, an office's standard phrases) share sketch hashes with
        hundreds of documents each, tens of thousands of postings per
        document to count.
        """
        lists = [self.postings[value] for value in sketch.hashes if value in self.postings]
        if not lists:
            return []
        shared = np.bincount(np.fromiter(chain.from_iterable(lists), dtype=np.int64), minlength=len(self.entries))
        positions = np.flatnonzero(shared >= MIN_SHARED_HASHES)
        if not positions.size:
            return []
        jaccard = shared[positions] / max(len(sketch.hashes), 1)
        sizes = np.fromiter((self.sizes[position] for position in positions), dtype=np.float64, count=positions.size)
        smaller = np.minimum(sizes, sketch.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(smaller > 0, np.minimum(1.0, jaccard * (sizes + sketch.size) / (1 + jaccard) / smaller), 0)
        return [self.entries[position] for position in positions[bound >= threshold]]


def overlap_bound(jaccard: float, first: int, second: int) -> float:
    """The overlap coefficient two sets of these sizes have at this Jaccard index."""
    if not first or not second:
        return 0.0
    return min(1.0, jaccard * (first + second) / (1 + jaccard) / min(first, second))


def find_duplicates(documents: list, *, known: list[KnownDocument], threshold: float) -> None:
    """Set ``duplicate`` (and ``sketch``) on each planned document, in file order.

    An inverted index over the sketches finds the documents that share
    anything with a new one; sketches estimate their similarity; only likely
    duplicates are compared exactly, so the cost hardly grows with the base.
    """
    index = _Index(known)
    for position, document in enumerate(documents):
        if document.sketch is None:  # the importer's analysis has made it already
            document.sketch = Sketch.of(document.text)
        same = index.by_hash.get(document.content_hash)
        if same is not None:
            document.duplicate = DuplicateInfo(same.title, 1.0, pk=same.pk, index=same.index, exact=True)
        else:
            floor = threshold - SKETCH_MARGIN
            candidates = [
                c
                for c in index.candidates(document.sketch, threshold=floor)
                if document.sketch.estimate(c.sketch) >= floor
            ]
            document.duplicate = _exact_best(document, candidates=candidates, documents=documents, threshold=threshold)
        index.add(KnownDocument(None, position, document.title, document.content_hash, document.sketch))


def _exact_best(
    document, *, candidates: list[KnownDocument], documents: list, threshold: float
) -> DuplicateInfo | None:
    if not candidates:
        return None
    mine = shingles(document.text)
    texts = dict(SourceDocument.objects.filter(pk__in=[k.pk for k in candidates if k.pk]).values_list("pk", "text"))
    best = None
    for candidate in candidates:
        text = texts.get(candidate.pk, "") if candidate.pk else documents[candidate.index].text
        score = similarity(mine, shingles(text))
        if score >= threshold and (best is None or score > best.similarity):
            best = DuplicateInfo(candidate.title, round(score, 4), pk=candidate.pk, index=candidate.index)
    return best
