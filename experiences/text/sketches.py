"""Many documents' bottom-k sketches as arrays, to estimate a new text's overlap with all of them at once.

Pure numpy, no ORM. What ``Sketch.estimate`` computes for one pair, done for
every document of a base in a few array operations (the duplicate check's
candidate search, ``experiences.duplicates``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

import numpy as np

from .fingerprint import Sketch

# Two documents that share fewer of their sketch hashes than this are not
# compared further (unrelated texts share none).
MIN_SHARED_HASHES = 4


class SketchArrays:
    """Sketches of documents at consecutive positions, from ``first`` on, as read-only arrays.

    ``rows``: each document's sketch hashes, sorted, padded with the largest
    value; ``counts``: how many hashes each holds (0: no sketch, or retired);
    ``sizes``: each document's number of shingles; ``hashes``/``owners``: every
    sketch hash, sorted, with its document's position counted from ``first``.
    Never changed once made: the methods that change them return new arrays.
    """

    PAD = np.iinfo(np.uint64).max

    def __init__(self, *, rows: np.ndarray, counts: np.ndarray, sizes: np.ndarray, hashes, owners, first: int = 0):
        self.rows, self.counts, self.sizes, self.hashes, self.owners = rows, counts, sizes, hashes, owners
        self.first = first
        for array in (rows, counts, sizes, hashes, owners):
            array.flags.writeable = False  # shared between imports: changed only by copying

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def end(self) -> int:
        return self.first + len(self.counts)

    @classmethod
    def build(cls, sketches: list[Sketch | None], *, first: int = 0) -> SketchArrays:
        """The arrays of these sketches (None: a document without one)."""
        return cls.of_hashes(
            chain.from_iterable(s.hashes for s in sketches if s),
            counts=[len(s.hashes) if s else 0 for s in sketches],
            sizes=[s.size if s else 0 for s in sketches],
            first=first,
        )

    @classmethod
    def of_hashes(cls, hashes: Iterable[int] | np.ndarray, *, counts, sizes, first: int = 0) -> SketchArrays:
        """The arrays of sketches given as their hashes one after the other, with each one's count and size."""
        counts = np.asarray(counts, dtype=np.int64)
        sizes = np.asarray(sizes, dtype=np.float64)
        if isinstance(hashes, np.ndarray):
            flat = hashes.astype(np.uint64, copy=False)
        else:
            flat = np.fromiter(hashes, dtype=np.uint64, count=int(counts.sum()))
        rows = np.full((len(counts), int(counts.max(initial=0))), cls.PAD, dtype=np.uint64)
        rows[np.arange(rows.shape[1]) < counts[:, None]] = flat  # row by row, as ``flat`` is
        return cls._of_rows(rows, counts, sizes, first=first)

    @classmethod
    def _of_rows(cls, rows: np.ndarray, counts: np.ndarray, sizes: np.ndarray, *, first: int) -> SketchArrays:
        flat = rows[np.arange(rows.shape[1]) < counts[:, None]]
        order = np.argsort(flat, kind="stable")
        owners = np.repeat(np.arange(len(counts), dtype=np.int32), counts)[order]
        return cls(rows=rows, counts=counts, sizes=sizes, hashes=flat[order], owners=owners, first=first)

    def then(self, other: SketchArrays) -> SketchArrays:
        """These documents and, after them, ``other``'s (which must start at ``self.end``)."""
        if other.first != self.end:
            raise ValueError(f"arrays from {other.first} cannot follow arrays ending at {self.end}")
        if not len(other):
            return self
        if not len(self):
            return other
        width = max(self.rows.shape[1], other.rows.shape[1])
        rows = np.full((len(self) + len(other), width), self.PAD, dtype=np.uint64)
        rows[: len(self), : self.rows.shape[1]] = self.rows
        rows[len(self) :, : other.rows.shape[1]] = other.rows
        # A merge of two sorted runs; of equal hashes, the later documents' come last, where one stable
        # sort of them all would put them.
        new = np.searchsorted(self.hashes, other.hashes, "right") + np.arange(len(other.hashes))
        old = np.ones(len(self.hashes) + len(other.hashes), dtype=bool)
        old[new] = False
        hashes, owners = np.empty(len(old), dtype=np.uint64), np.empty(len(old), dtype=np.int32)
        hashes[new], hashes[old] = other.hashes, self.hashes
        owners[new], owners[old] = other.owners + len(self), self.owners
        return SketchArrays(
            rows=rows,
            counts=np.concatenate([self.counts, other.counts]),
            sizes=np.concatenate([self.sizes, other.sizes]),
            hashes=hashes,
            owners=owners,
            first=self.first,
        )

    def without(self, positions: Iterable[int]) -> SketchArrays:
        """These arrays with the documents at ``positions`` (of these arrays or not) retired: never reached."""
        local = [position - self.first for position in positions if self.first <= position < self.end]
        if not local:
            return self
        counts, sizes = self.counts.copy(), self.sizes.copy()
        counts[local] = 0
        sizes[local] = 0
        return SketchArrays(
            rows=self.rows, counts=counts, sizes=sizes, hashes=self.hashes, owners=self.owners, first=self.first
        )

    def kept(self, positions: list[int]) -> SketchArrays:
        """Arrays of the documents at ``positions`` only, in that order, from position 0."""
        local = [position - self.first for position in positions]
        return self._of_rows(self.rows[local], self.counts[local], self.sizes[local], first=0)

    def sketch(self, position: int) -> Sketch | None:
        count = int(self.counts[position - self.first])
        if not count:
            return None
        row = self.rows[position - self.first, :count]
        return Sketch(tuple(int(value) for value in row), int(self.sizes[position - self.first]))

    def reaching(self, sketch: Sketch, *, threshold: float) -> np.ndarray:
        """Positions of the documents whose ``Sketch.estimate`` against ``sketch`` reaches ``threshold``.

        Documents sharing fewer than MIN_SHARED_HASHES sketch hashes with it never do.
        """
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
        return positions[np.where(theirs > 0, estimate, 0.0) >= threshold] + self.first
