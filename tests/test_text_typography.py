"""Full-width punctuation between Chinese characters (GB/T 15834), half-width where it belongs."""

from __future__ import annotations

import pytest

from experiences.text.typography import changes, normalise_punctuation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("鄂州:天气突变,由晴转雨,接待人员送来雨伞。", "鄂州：天气突变，由晴转雨，接待人员送来雨伞。"),
        ("为什么?因为要快!", "为什么？因为要快！"),
        ("一是抓统筹;二是抓落实", "一是抓统筹；二是抓落实"),
        ("中关村(海淀区)的做法", "中关村（海淀区）的做法"),
        ('所谓"放管服"改革', "所谓“放管服”改革"),
        ("全市GDP增长5%,其中工业增长3%", "全市GDP增长5%，其中工业增长3%"),
        ("共投入100,其中", "共投入100，其中"),
    ],
)
def test_half_width_marks_in_chinese_become_full_width(raw, expected):
    assert normalise_punctuation(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "投资1,000万元,",  # the thousands separator stays; the comma after 元 would not be first
        "上午10:30在会议室",
        "网址:http://www.example.cn/a,b",
        "(1)以中小企业为突破口",
        "1.建立以产学研为核心的知识创新体系",
        'He said: yes, (maybe) "fine".',
        "3.5亿元",
    ],
)
def test_numbers_times_urls_numbering_and_latin_keep_their_marks(kept):
    normalised = normalise_punctuation(kept)
    for mark in ("1,000", "10:30", "http://", "(1)", "1.", 'He said: yes, (maybe) "fine".', "3.5"):
        if mark in kept:
            assert mark in normalised


def test_lengths_and_offsets_are_kept_and_slices_normalise_alike():
    text = "一、苏州的做法\n苏州工业园区(SIP)始终坚持:一是招商,二是安商;三是“亲商”。投资1,000万元。"
    normalised = normalise_punctuation(text)
    assert len(normalised) == len(text)
    start = text.index("始终")
    assert normalise_punctuation(text[start : start + 12]) == normalised[start : start + 12]
    assert changes(text) == sum(1 for a, b in zip(text, normalised, strict=True) if a != b) > 0


def test_text_without_chinese_is_untouched():
    assert normalise_punctuation('Hello, world: (a) "b"!') == 'Hello, world: (a) "b"!'


def test_a_passage_keeps_its_span_in_the_normalised_text():
    from experiences.text.typography import normalised_span

    old = "接待人员(办公室)送来雨伞,考察组很感动。"
    new = normalise_punctuation(old)
    assert normalised_span("接待人员(办公", old=old, new=new) == "接待人员（办公"  # sliced: the bracket it opens
    assert normalised_span("不在原文里,", old=old, new=new) == "不在原文里，"  # not found: normalised on its own
