"""Outline numbering, metadata and draft proposals on small samples. No database."""

from __future__ import annotations

import pytest

from experiences.text.drafts import propose_drafts
from experiences.text.metadata import guess_kind, parse_bylines, parse_footnotes
from experiences.text.outline import body_end, label_value, parse_outline


def outline_of(text: str):
    return [(n.label, n.heading, n.depth) for n in parse_outline(text).nodes]


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("第一章", 1),
        ("第十二章", 12),
        ("一、", 1),
        ("十一、", 11),
        ("(三)", 3),
        ("(二十)", 20),
        ("5.", 5),
        ("12、", 12),
        ("(4)", 4),
        ("③", 3),
    ],
)
def test_label_values(label, value):
    assert label_value(label) == value


def test_chinese_numbering_nests_in_order_of_appearance():
    text = (
        "一、主要做法\n(一)规划引领。内容。\n1.编制规划。内容。\n(二)招商引资。内容。\n二、几点建议\n(一)要重视规划。"
    )
    assert outline_of(text) == [
        ("一、", "主要做法", 0),
        ("(一)", "规划引领", 1),
        ("1.", "编制规划", 2),
        ("(二)", "招商引资", 1),
        ("二、", "几点建议", 0),
        ("(一)", "要重视规划", 1),
    ]


def test_full_width_parentheses_and_enumeration_comma_labels():
    assert outline_of("（一）甲项。正文。\n1、乙项。正文。") == [("（一）", "甲项", 0), ("1、", "乙项", 1)]


def test_a_heading_running_into_its_body_is_split_at_the_first_full_stop():
    [node] = parse_outline("2、信息工作开拓创新。武汉市委办公厅信息处不断解放思想。").nodes
    assert node.heading == "信息工作开拓创新"


def test_a_single_sentence_item_is_headed_by_its_first_clause():
    [node] = parse_outline("(1)加快工业化的步伐,建立现代企业制度,搞活国有企业。").nodes
    assert node.heading == "加快工业化的步伐"


def test_run_in_items_after_a_colon_or_full_stop_become_sections():
    text = "第六章主要论述了几方面工作。包括:(1)加快工业化。(2)加快资源开发。(3)加快基础设施建设。"
    assert [n[0] for n in outline_of(text)] == ["第六章", "(1)", "(2)", "(3)"]


def test_parentheses_inside_a_sentence_are_not_labels():
    assert outline_of("一、总体情况\n建立了协调机制(1)并且取得成效。") == [("一、", "总体情况", 0)]


def test_numbers_with_decimals_or_years_are_not_labels():
    assert outline_of("1.5倍的增长。\n2019年完成。") == [("", "正文", 0)]


def test_numbering_gaps_are_kept_and_reported():
    outline = parse_outline("第六章工作。包括:(1)甲。(2)乙。(3)丙。(5)戊。")
    assert [n.label for n in outline.nodes] == ["第六章", "(1)", "(2)", "(3)", "(5)"]
    assert outline.warnings == ["编号不连续：“(5)”前一项的编号是 3，已按原文保留。"]


def test_sections_end_where_the_next_item_at_the_same_level_starts():
    text = "一、甲\n1.子一。内容。\n2.子二。内容。\n二、乙\n正文。"
    nodes = parse_outline(text).nodes
    assert text[nodes[0].start : nodes[0].end] == "一、甲\n1.子一。内容。\n2.子二。内容。\n"
    assert text[nodes[2].start : nodes[2].end] == "2.子二。内容。\n"
    assert nodes[3].end == len(text)


def test_trailing_footnotes_are_not_part_of_the_last_section():
    text = "第一章甲。\n(1)乙。\n1本书由某出版社1995年出版。"
    assert body_end(text) == text.index("1本书")
    assert parse_outline(text).nodes[-1].end == text.index("1本书")


def test_an_unnumbered_document_has_one_body_section():
    text = "xx驾校在创业的历程中,大力弘扬朔州精神。"
    [node] = parse_outline(text).nodes
    assert (node.label, node.heading, node.start, node.end) == ("", "正文", 0, len(text))


def test_bylines_give_authors_office_and_affiliation():
    assert parse_bylines(["□荆州市委办公室"]).organization == "荆州市委办公室"
    byline = parse_bylines(["1刘科伟", "(西北大学城市与资源学系,陕西西安,710069)"])
    assert byline.authors == ["刘科伟"]
    assert byline.organization == "西北大学城市与资源学系"
    assert parse_bylines(["作者:王圣学、刘科伟"]).authors == ["王圣学", "刘科伟"]


def test_publisher_and_year_come_from_a_footnote():
    footnote = parse_footnotes(["正文。", "1本书由王圣学、刘科伟著,西安地图出版社1995年出版,1999年12月获奖。"])
    assert (footnote.publisher, footnote.year, footnote.month) == ("西安地图出版社", 1995, None)


@pytest.mark.parametrize(
    ("title", "text", "kind"),
    [
        ("驾校创新发展经验材料", "xx驾校…", "experience_material"),
        ("《陕西城市发展研究》", "全书内容共有六章", "book_review"),
        (
            "兄弟城市党委办公室工作的主要经验和体会",
            "近期,我们赴省内孝感、鄂州等8个地级城市就党委办公室工作进行了学习考察",
            "study_tour_report",
        ),
        ("兄弟城市高新区创新发展的经验借鉴研究", "一、…", "research_report"),
        ("会议纪要", "各单位:", "other"),
    ],
)
def test_document_kind_is_guessed_from_title_and_opening(title, text, kind):
    assert guess_kind(title=title, text=text) == kind


def test_items_under_practice_and_recommendation_headings_become_drafts():
    text = "\n".join(
        [
            "前言。",
            "一、主要做法",
            "1、建设人才公寓。宁波市建设人才公寓。",
            "2、设立基金。宁波市设立基金。",
            "二、几点建议",
            "1、加快安居工程。内容。(1)甲项。(2)乙项。",
            "三、其他情况",
            "1、某事。内容。",
        ]
    )
    drafts = propose_drafts(text=text, outline=parse_outline(text), title="报告")
    assert [(d.kind, d.title) for d in drafts] == [
        ("practice", "建设人才公寓"),
        ("practice", "设立基金"),
        ("recommendation", "加快安居工程"),
    ]
    assert [c.title for c in drafts[2].children] == ["甲项", "乙项"]
    for draft in drafts:
        assert draft.excerpt in text


def test_recommendations_carry_the_audience_named_in_their_heading():
    text = "二、关于加强我市高新区建设发展的几点启示\n1.以健全产学研合作机制为基点。内容。"
    [draft] = propose_drafts(text=text, outline=parse_outline(text), title="研究")
    assert draft.audience == "我市高新区"


def test_an_unnumbered_experience_material_gives_one_draft_per_paragraph():
    text = "xx驾校在创业的历程中,大力弘扬朔州精神,以一流的服务为目标。\nxx驾校拥有一支经验丰富、技术过硬的教练员队伍。"
    drafts = propose_drafts(text=text, outline=parse_outline(text), title="驾校创新发展经验材料")
    assert len(drafts) == 2
    assert all(d.kind == "practice" for d in drafts)
