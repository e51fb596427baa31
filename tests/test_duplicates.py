"""The duplicate check's candidate search: a near copy is found among many documents sharing boilerplate."""

from __future__ import annotations

import random

from experiences.duplicates import MIN_SHARED_HASHES, KnownDocument, _Index, overlap_bound
from experiences.text.fingerprint import Sketch
from tests.corpus import article


def _known(position: int, text: str) -> KnownDocument:
    return KnownDocument(None, position, f"第{position}篇", str(position), Sketch.of(text))


def test_a_near_copy_is_a_candidate_and_unrelated_reports_are_not():
    rng = random.Random(11)
    # Reports recombined from one pool of sentences: they share many shingles, as an office's reports do.
    texts = [article(rng, number) for number in range(1, 200)]
    index = _Index([_known(position, text) for position, text in enumerate(texts)])
    revised = texts[42] + "\n四、下一步工作打算\n继续深化合作。"
    candidates = index.candidates(Sketch.of(revised), threshold=0.65)
    assert texts[42] in [texts[c.index] for c in candidates]
    assert len(candidates) < len(texts) // 5  # most share too little to be compared exactly


def test_the_count_of_shared_hashes_bounds_the_candidates_as_the_formula_says():
    rng = random.Random(3)
    texts = [article(rng, number) for number in range(1, 60)]
    known = [_known(position, text) for position, text in enumerate(texts)]
    index = _Index(known)
    sketch = Sketch.of(texts[7])
    found = {c.index for c in index.candidates(sketch, threshold=0.3)}
    expected = set()
    for entry in known:
        shared = len(set(sketch.hashes) & set(entry.sketch.hashes))
        bound = overlap_bound(shared / len(sketch.hashes), sketch.size, entry.sketch.size)
        if shared >= MIN_SHARED_HASHES and bound >= 0.3:
            expected.add(entry.index)
    assert found == expected
    assert 7 in found
