"""The duplicate check's candidate search: a near copy is found among many documents sharing boilerplate."""

from __future__ import annotations

import random

from experiences.duplicates import MIN_SHARED_HASHES, KnownDocument, _Index
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


def test_candidates_are_the_documents_whose_estimate_reaches_the_threshold():
    rng = random.Random(3)
    texts = [article(rng, number) for number in range(1, 60)]
    known = [_known(position, text) for position, text in enumerate(texts)]
    index = _Index(known[:40])  # the base's documents, estimated together ...
    for entry in known[40:]:
        index.add(entry)  # ... and this file's, one by one
    for probe in (texts[7], texts[45], texts[7][: len(texts[7]) // 2] + texts[50]):
        sketch = Sketch.of(probe)
        for threshold in (0.3, 0.65):
            found = {c.index for c in index.candidates(sketch, threshold=threshold)}
            expected = {
                entry.index
                for entry in known
                if len(set(sketch.hashes) & set(entry.sketch.hashes)) >= MIN_SHARED_HASHES
                and sketch.estimate(entry.sketch) >= threshold
            }
            assert found == expected
    assert {7, 45} <= {c.index for c in index.candidates(Sketch.of(texts[7] + texts[45]), threshold=0.65)}


def test_documents_without_a_sketch_or_sharing_nothing_are_never_candidates():
    index = _Index([KnownDocument(1, None, "旧文献", "", None), _known(1, "完全不同的另一篇文字" * 20)])
    assert index.candidates(Sketch.of("产学研合作推动技术转移" * 30), threshold=0.0) == []
    assert _Index([]).candidates(Sketch.of("任何文字" * 10), threshold=0.5) == []
