"""Document fingerprints: exact content hashes and near-duplicate similarity.

Pure functions, no ORM. Texts are normalised before hashing or shingling so
that layout (spaces, line breaks), full-width forms and letter case do not
hide a duplicate: the seed's article 4 writes ``XX`` where article 3 has ``xx``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

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
