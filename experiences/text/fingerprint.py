"""Document fingerprints: exact content hashes and near-duplicate similarity.

Pure functions, no ORM. Texts are normalised before hashing or shingling so
that layout (spaces, line breaks), full-width forms and letter case do not
hide a duplicate: the seed's article 4 writes ``XX`` where article 3 has ``xx``.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata
import zlib
from dataclasses import dataclass

SHINGLE_SIZE = 5
_IGNORED = re.compile(r"[\s\u3000]+")


def normalize_for_comparison(text: str) -> str:
    """NFKC, case-folded, with all whitespace removed."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for exact duplicates whatever their layout."""
    return hashlib.sha256(normalize_for_comparison(text).encode("utf-8")).hexdigest()


def shingles(text: str, *, size: int = SHINGLE_SIZE) -> set[str]:
    """Character n-gram shingles of the normalised text (5-grams suit Chinese)."""
    normalized = normalize_for_comparison(text)
    if len(normalized) <= size:
        return {normalized} if normalized else set()
    return {normalized[i : i + size] for i in range(len(normalized) - size + 1)}


def similarity(first: set[str], second: set[str]) -> float:
    """Overlap coefficient |A∩B| / min(|A|, |B|).

    Unlike Jaccard, it stays near 1.0 when one document is a superset of the
    other (a report re-issued with extra paragraphs), which is exactly the
    near-duplicate a curator wants to be told about.
    """
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


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

    @classmethod
    def of(cls, text: str, *, k: int = SKETCH_SIZE) -> Sketch:
        hashed = {zlib.crc32(s.encode("utf-8")) for s in shingles(text)}
        return cls(tuple(heapq.nsmallest(k, hashed)), len(hashed))

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
        k = max(len(self.hashes), len(other.hashes))
        mine, theirs = set(self.hashes), set(other.hashes)
        union = heapq.nsmallest(k, mine | theirs)
        jaccard = sum(1 for h in union if h in mine and h in theirs) / len(union)
        intersection = jaccard * (self.size + other.size) / (1 + jaccard)
        return min(1.0, intersection / min(self.size, other.size))
