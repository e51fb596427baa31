"""Segmentation engines agree; words keep their offsets. No database."""

from __future__ import annotations

import pytest

from experiences.text.segment import Segmenter, Words
from tests.paths import RAW_SEED

SEED = RAW_SEED
USER_WORDS = [("中关村自主创新示范区", 200_000, "ns"), ("孝感市", 200_000, "ns"), ("530计划", None, None)]


@pytest.fixture(scope="module")
def engines():
    return {name: Segmenter(user_words=USER_WORDS, engine=name) for name in Segmenter.ENGINES}


def test_both_engines_cut_the_seed_identically(engines):
    text = SEED.read_text(encoding="utf-8")
    assert engines["rjieba"].cut(text) == engines["jieba"].cut(text)
    assert engines["rjieba"].cut(text, search=True) == engines["jieba"].cut(text, search=True)


def test_user_words_stay_whole_in_precise_mode_and_split_in_search_mode(engines):
    for segmenter in engines.values():
        assert "中关村自主创新示范区" in segmenter.cut("例如中关村自主创新示范区,与众多大学建立联系")
        assert {"中关村", "示范区"} <= set(segmenter.cut("中关村自主创新示范区", search=True))
        assert "530计划" in segmenter.cut("无锡率先推出530计划")


def test_tokens_carry_offsets_into_the_text(engines):
    text = "孝感市委督查室在加强督查"
    for segmenter in engines.values():
        tokens = segmenter.tokenize(text)
        assert "".join(t.word for t in tokens) == text
        assert all(text[t.start : t.end] == t.word for t in tokens)


def test_words_between_offsets_and_paragraphs():
    words = Words(["一、", "主要", "经验", "\n", "武汉", "市委", "秘书处"])
    assert words.between(4, 9) == ["经验", "\n", "武汉"]  # the words starting in [4, 9)
    assert words.paragraphs() == [["一、", "主要", "经验"], ["武汉", "市委", "秘书处"]]


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown segmenter engine"):
        Segmenter(engine="pkuseg")
