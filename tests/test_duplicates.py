"""The duplicate check's candidate search: a near copy is found among many documents sharing boilerplate."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from experiences import content, duplicates
from experiences.duplicates import (
    MIN_SHARED_HASHES,
    KnownDocument,
    _Index,
    find_duplicates,
    stored_documents,
)
from experiences.models import SourceDocument
from experiences.text.fingerprint import Sketch, content_hash
from experiences.text.sketches import SketchArrays
from tests import making
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


def test_arrays_grown_by_appending_and_retiring_equal_arrays_built_at_once():
    rng = random.Random(5)
    sketches = [Sketch.of(article(rng, number)) for number in range(1, 41)]
    sketches[9] = None  # a document stored without a fingerprint
    whole = SketchArrays.build(sketches)
    grown = (
        SketchArrays.build(sketches[:25])
        .then(SketchArrays.build(sketches[25:32], first=25))
        .then(SketchArrays.build(sketches[32:], first=32))
    )
    for name in ("rows", "counts", "sizes", "hashes", "owners"):
        assert np.array_equal(getattr(grown, name), getattr(whole, name)), name
    assert [grown.sketch(position) for position in range(40)] == sketches
    rest = [position for position in range(len(sketches)) if position not in (3, 30)]
    compact, afresh = grown.kept(rest), SketchArrays.build([sketches[position] for position in rest])
    for name in ("rows", "counts", "sizes", "hashes", "owners"):
        assert np.array_equal(getattr(compact, name), getattr(afresh, name)), name
    retired = grown.without([3, 30, 99])  # 99: not one of these arrays' positions
    assert 3 in whole.reaching(sketches[3], threshold=0.9)
    assert 3 not in retired.reaching(sketches[3], threshold=0.0)
    assert set(retired.reaching(sketches[12], threshold=0.3)) == set(whole.reaching(sketches[12], threshold=0.3)) - {
        3,
        30,
    }


def test_arrays_from_a_later_position_answer_with_their_own_positions():
    rng = random.Random(6)
    sketches = [Sketch.of(article(rng, number)) for number in range(1, 11)]
    later = SketchArrays.build(sketches, first=500)
    assert 507 in later.reaching(sketches[7], threshold=0.9)
    assert later.sketch(507) == sketches[7]
    with pytest.raises(ValueError, match="cannot follow"):
        SketchArrays.build(sketches).then(later)


@pytest.mark.django_db
@pytest.mark.parametrize("arrays", [True, False], ids=["new-documents-in-arrays", "new-documents-kept-apart"])
def test_the_base_is_read_once_then_only_what_changed_and_edits_and_deletions_count(
    arrays, django_assert_num_queries, monkeypatch
):
    if arrays:
        monkeypatch.setattr(duplicates, "RECENT_KEPT", 0)  # every new document merged into the arrays at once
        monkeypatch.setattr(duplicates, "RECENT_SHARE", 0)
    rng = random.Random(8)
    texts = [article(rng, number) for number in range(1, 7)]
    documents = [_stored(f"报告{n}", text) for n, text in enumerate(texts)]
    assert {k.pk for k in stored_documents()} >= {d.pk for d in documents}
    with django_assert_num_queries(1):  # ids, titles and hashes only: no fingerprint read again
        stored_documents()

    later = _stored("新到的报告", texts[0][::-1])
    edited, deleted = documents[1], documents[2]
    edited.text = article(rng, 50)
    edited.title = "改过的报告"
    with content.writing():
        edited.fingerprint_text()
        content.save(edited)
    making.delete(deleted)

    base = stored_documents()
    assert later.pk in {k.pk for k in base}
    assert deleted.pk not in {k.pk for k in base}
    assert _twin(texts[0][::-1], base) == ("新到的报告", later.pk)
    assert _twin(texts[1], base) is None  # the edited report's old text is no longer in the base
    assert _twin(texts[2], base) is None  # nor the deleted one's
    assert _twin(edited.text, base) == ("改过的报告", edited.pk)  # by its hash
    assert _twin(edited.text + "\n补一句。", base) == ("改过的报告", edited.pk)  # by its new sketch
    assert _twin(texts[3] + "\n补一句。", base) == ("报告3", documents[3].pk)  # a near copy, found by its sketch


@pytest.mark.django_db
def test_a_base_mostly_of_retired_documents_is_arranged_afresh(monkeypatch):
    rng = random.Random(9)
    documents = [_stored(f"报告{n}", article(rng, n)) for n in range(1, 5)]
    stored_documents()
    monkeypatch.setattr(duplicates, "RETIRED_KEPT", 0)
    monkeypatch.setattr(duplicates, "RETIRED_SHARE", 0)
    making.delete(documents[0])
    base = stored_documents()
    assert base.retired == 0
    assert len(base.entries) == len(base.keys)
    assert _twin(documents[1].text, base) == ("报告2", documents[1].pk)
    assert _twin(documents[2].text + "\n补一句。", base) == ("报告3", documents[2].pk)  # by its sketch
    assert _twin(documents[0].text + "\n补一句。", base) is None


def _stored(title: str, text: str) -> SourceDocument:
    with content.writing():
        document = SourceDocument(title=title, text=text)
        document.fingerprint_text()
        content.save(document)
    return document


def _twin(text: str, base) -> tuple[str, int] | None:
    """The stored document the duplicate check names for ``text``, if any."""
    plan = SimpleNamespace(text=text, content_hash=content_hash(text), sketch=Sketch.of(text), title="新文献")
    find_duplicates([plan], known=base, threshold=0.8)
    return (plan.duplicate.title, plan.duplicate.pk) if plan.duplicate else None
