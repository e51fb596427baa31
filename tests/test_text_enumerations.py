"""Run-in enumerations (一是/二是, (1)/(2), ①/②, 首先/其次/最后, 一要/二要, 第一/第二) found in a paragraph."""

from __future__ import annotations

import pytest

from experiences.text.enumerations import find_enumerations, item_title


def items(paragraph: str) -> list[tuple[str, str]]:
    return [(i.label, i.content(paragraph)) for e in find_enumerations(paragraph) for i in e.items]


def test_yi_shi_er_shi_items_run_to_the_next_marker_and_the_last_to_its_full_stop():
    text = "合肥市大力引进人才，其主要做法是：一是设立专项基金；二是建设人才公寓；三是简化落户手续。此外还有其他。"
    [enumeration] = find_enumerations(text)
    assert enumeration.family == "shi"
    assert text[enumeration.lead_start : enumeration.lead_end] == "合肥市大力引进人才，其主要做法是："
    assert items(text) == [("一是", "设立专项基金"), ("二是", "建设人才公寓"), ("三是", "简化落户手续")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("启示有三：（1）规划先行；（2）招商引资；（3）优化服务。", ["规划先行", "招商引资", "优化服务"]),
        ("启示有三:(1)规划先行;(2)招商引资。", ["规划先行", "招商引资"]),
        ("做法包括：①建立台账；②定期督查；③限时办结。", ["建立台账", "定期督查", "限时办结"]),
        ("首先，摸清底数。其次，分类施策。最后，跟踪问效。", ["摸清底数", "分类施策", "跟踪问效"]),
        ("我市应当：一要统一思想，二要完善机制，三要强化保障。", ["统一思想", "完善机制", "强化保障"]),
        ("第一，坚持规划引领；第二，坚持产业为先。", ["坚持规划引领", "坚持产业为先"]),
    ],
)
def test_every_family_of_markers(text, expected):
    assert [content for _, content in items(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "统一是前提，专一是关键。",  # 一是 inside words
        "第一时间赶到现场，第二天召开会议。",  # 第一 not followed by a comma
        "一是只有一项，没有第二项。",
        "首先要说明的是这里只有一句。",
    ],
)
def test_words_that_only_look_like_markers_are_not_items(text):
    assert find_enumerations(text) == []


def test_a_title_is_the_items_first_clause():
    assert item_title("设立专项基金，每年投入1亿元") == "设立专项基金"
