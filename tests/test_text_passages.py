"""Pure text helpers: paragraphs with highlighted excerpts, fingerprints. No database."""

from __future__ import annotations

from experiences.text.fingerprint import content_hash, shingles, similarity
from experiences.text.passages import Fragment, Span, find_excerpt, paragraphs

TEXT = "一、主要经验\n1、秘书督查工作主动超前。武汉市委办公厅秘书处提前征求议题。\n二、主要体会"


def test_paragraphs_split_at_line_breaks():
    result = paragraphs(TEXT)
    assert ["".join(f.text for f in p) for p in result] == TEXT.split("\n")


def test_excerpt_is_marked_exactly_once():
    span = find_excerpt(TEXT, "武汉市委办公厅秘书处")
    result = paragraphs(TEXT, marks=[Span(span.start, span.end, "p1")])
    marked = [f for p in result for f in p if f.mark]
    assert marked == [Fragment("武汉市委办公厅秘书处", mark="p1")]


def test_anchors_are_placed_before_the_text_they_point_at():
    second = TEXT.index("1、")
    result = paragraphs(TEXT, anchors=[Span(second, second, "sec-2")])
    assert result[1][0] == Fragment("", anchor="sec-2")
    assert result[1][1].text.startswith("1、秘书督查")


def test_a_slice_keeps_document_offsets():
    start = TEXT.index("1、")
    end = TEXT.index("\n二")
    span = find_excerpt(TEXT, "提前征求议题")
    result = paragraphs(TEXT[start:end], marks=[span], offset=start)
    assert len(result) == 1
    assert [f.text for f in result[0] if f.mark is not None] == ["提前征求议题"]


def test_a_mark_spanning_a_paragraph_break_is_split_per_paragraph():
    span = Span(TEXT.index("经验"), TEXT.index("秘书督查"), "x")
    result = paragraphs(TEXT, marks=[span])
    assert [f.text for f in result[0] if f.mark] == ["经验"]
    assert [f.text for f in result[1] if f.mark] == ["1、"]


def test_missing_excerpt_is_not_found():
    assert find_excerpt(TEXT, "不存在的句子") is None
    assert find_excerpt(TEXT, "") is None


def test_content_hash_ignores_layout_width_and_case():
    assert content_hash("XX驾校 在创业的\n历程中") == content_hash("xx驾校在创业的历程中")
    assert content_hash("ＡＢ１２") == content_hash("ab12")
    assert content_hash("驾校甲") != content_hash("驾校乙")


def test_superset_document_is_similar_to_its_original():
    original = "驾校倡导诚信服务,本着以人为本的精神,尽最大努力为学员快乐学车提供方便。"
    extended = original + "驾校拥有一支经验丰富、技术过硬、纪律严明的教练员队伍。"
    assert similarity(shingles(original), shingles(extended)) == 1.0
    assert similarity(shingles(original), shingles("完全不同的另一篇文章内容,讲的是城市规划。")) < 0.1
    assert similarity(set(), shingles(original)) == 0.0
