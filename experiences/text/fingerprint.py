"""Document fingerprints: exact content hashes and near-duplicate similarity.

Pure functions, no ORM. Texts are normalised before hashing or shingling so
that layout (spaces, line breaks), full-width forms and letter case do not
hide a duplicate: the seed's article 4 writes ``XX`` where article 3 has ``xx``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

SHINGLE_SIZE = 5
_IGNORED = re.compile(r"[\s\u3000]+")


@functools.lru_cache(maxsize=4)  # an import hashes and then shingles each text: normalise it once
def normalize_for_comparison(text: str) -> str:
    """NFKC, case-folded, with all whitespace removed."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for exact duplicates whatever their layout."""
    return hashlib.sha256(normalize_for_comparison(text).encode("utf-8")).hexdigest()


def shingles(text: str, *, size: int = SHINGLE_SIZE) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character n-gram shingles of the normalised text.

    5-grams suit Chinese. Hashing is vectorised (a polynomial over the code
    points, then a 64-bit mix), so a megabyte of text takes milliseconds, and
    deterministic, so hashes can be stored and compared across processes.
    """
    codes = np.frombuffer(normalize_for_comparison(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return np.empty(0, dtype=np.uint64)
    width = min(size, codes.size)
    with np.errstate(over="ignore"):
        value = np.zeros(codes.size - width + 1, dtype=np.uint64)
        for offset in range(width):
            value = value * _PRIME + codes[offset : offset + value.size]
        # splitmix64 finaliser: spreads the polynomial's bits over the whole word
        value ^= value >> np.uint64(30)
        value *= np.uint64(0xBF58476D1CE4E5B9)
        value ^= value >> np.uint64(27)
        value *= np.uint64(0x94D049BB133111EB)
        value ^= value >> np.uint64(31)
    return np.unique(value)


_PRIME = np.uint64(1_000_003)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Overlap coefficient |A∩B| / min(|A|, |B|) of two shingle sets.

    Unlike Jaccard, it stays near 1.0 when one document is a superset of the
    other (a report re-issued with extra paragraphs), which is exactly the
    near-duplicate a curator wants to be told about.
    """
    if not len(first) or not len(second):
        return 0.0
    shared = np.intersect1d(first, second, assume_unique=True).size
    return shared / min(len(first), len(second))


SKETCH_SIZE = 128


@dataclass(frozen=True)
class Sketch:
    """A bottom-k MinHash sketch: the k smallest shingle hashes, and how many shingles there were.

    Small enough to store with every document (128 integers), it estimates
    the similarity of two documents without their texts, so a new document
    is compared with the whole base in milliseconds; only likely duplicates
    are then compared exactly.
    """

    hashes: tuple[int, ...]
    size: int

    @functools.cached_property
    def as_set(self) -> frozenset[int]:
        return frozenset(self.hashes)

    @classmethod
    def of(cls, text: str, *, k: int = SKETCH_SIZE) -> Sketch:
        hashed = shingles(text)  # sorted and unique
        return cls(tuple(int(h) for h in hashed[:k]), int(hashed.size))

    def to_json(self) -> dict:
        return {"hashes": list(self.hashes), "size": self.size}

    @classmethod
    def from_json(cls, data: dict | None) -> Sketch | None:
        if not data or "hashes" not in data:
            return None
        return cls(tuple(data["hashes"]), int(data.get("size", 0)))

    def estimate(self, other: Sketch) -> float:
        """Estimated overlap coefficient, from the Jaccard estimate of the merged sketch."""
        if not self.size or not other.size:
            return 0.0
        mine, theirs = self.as_set, other.as_set
        if mine.isdisjoint(theirs):
            return 0.0  # the common case, decided at C speed
        # Both sketches hold every shingle hash of their document up to their
        # largest value, so below the smaller of the two maxima the union of
        # the two documents is fully known: the Jaccard estimate of bottom-k.
        limit = min(self.hashes[-1], other.hashes[-1])
        shared = sum(1 for h in mine & theirs if h <= limit)
        union = bisect_right(self.hashes, limit) + bisect_right(other.hashes, limit) - shared
        jaccard = shared / union
        intersection = jaccard * (self.size + other.size) / (1 + jaccard)
        return min(1.0, intersection / min(self.size, other.size))
