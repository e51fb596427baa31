"""Cleaning rules, each on its own, and the whole pipeline on the seed. No database."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiences.text.clean import (
    clean_text,
    collapse_cjk_spaces,
    join_broken_lines,
    normalize_characters,
    remove_page_number_lines,
    remove_running_lines,
    remove_trailing_page_numbers,
)
from experiences.text.split import split_articles
from experiences.text.typography import normalise_punctuation
from tests.paths import RAW_SEED

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "samples"
SEED = RAW_SEED


def test_lines_broken_mid_sentence_are_joined_and_paragraphs_kept():
    lines = ["他们共同的做法包括:一是产业管理完善,为了实现区域", "产业发展和国家宏观调控目标。", "二、主要体会"]
    assert join_broken_lines(lines) == [
        "他们共同的做法包括:一是产业管理完善,为了实现区域产业发展和国家宏观调控目标。",
        "二、主要体会",
    ]


def test_a_heading_alone_on_its_line_stays_a_paragraph():
    lines = ["一、主要经验", "1、秘书督查工作主动超前。", "武汉、孝感两市在秘书、督查工作中,实现了转变。"]
    assert join_broken_lines(lines) == lines


def test_a_short_continuation_line_is_not_taken_for_a_title():
    lines = [
        "为了更加贴近市委工作大局,信息处在互联网上搜集一些网民对武汉改革发展中的重大问",
        "题的评论和建议、外地的经验和作法等需要引起市委领导",
        "重视的信息。",
    ]
    assert join_broken_lines(lines) == ["".join(lines)]


def test_a_blank_line_always_ends_a_paragraph():
    assert join_broken_lines(["第一段没有句号", "", "第二段"]) == ["第一段没有句号", "第二段"]


def test_english_words_broken_across_lines_keep_their_space():
    lines = ["中关村与众多大学建立多种联系,建立了SCDMA wireless", "broadband等联盟。"]
    assert join_broken_lines(lines) == ["中关村与众多大学建立多种联系,建立了SCDMA wireless broadband等联盟。"]


def test_page_numbers_inside_sentences_are_removed():
    lines = ["立即发出《催 2", "办通知》或通过电话进行催办。", "都做到了周全,无 3", "处不体现着认真负责的态度。"]
    cleaned, removed = remove_trailing_page_numbers(lines)
    assert cleaned == ["立即发出《催", "办通知》或通过电话进行催办。", "都做到了周全,无", "处不体现着认真负责的态度。"]
    assert removed == ["2", "3"]


def test_real_numbers_are_never_taken_for_page_numbers():
    lines = [
        "建立了SCDMA无线宽带等40多个产学研联盟,",
        "早在1996年由国家科技部签署协议,",
        "无锡于2006年推出530计划,",
        "分5个模块,引进1000多名领军人才。",
    ]
    assert remove_trailing_page_numbers(lines)[0] == lines


def test_page_number_lines_are_removed():
    lines, removed = remove_page_number_lines(["正文。", "- 2 -", "3", "第 4 页", "5/12", "2019年"])
    assert lines == ["正文。", "2019年"]
    assert len(removed) == 4


def test_running_headers_are_removed_but_repeated_headings_are_not():
    lines = ["工作简报", "正文一。", "一、主要经验", "工作简报", "正文二。", "一、主要经验", "工作简报"]
    cleaned, removed = remove_running_lines(lines)
    assert removed == ["工作简报"]
    assert cleaned.count("一、主要经验") == 2


def test_spaces_between_chinese_characters_are_removed():
    assert (
        collapse_cjk_spaces("孝 感市在收到来函后,做了精 心安排,“网上 民 意”")
        == "孝感市在收到来函后,做了精心安排,“网上民意”"
    )


def test_spaces_around_latin_text_and_numbers_are_kept():
    assert (
        collapse_cjk_spaces("深圳涌现了华为、TCL 等企业,引进 IBM 公司的 5 个项目。")
        == "深圳涌现了华为、TCL 等企业,引进 IBM 公司的 5 个项目。"
    )


def test_a_title_keeps_the_space_between_its_phrases():
    assert collapse_cjk_spaces("推进创新发展 构建和谐驾校") == "推进创新发展 构建和谐驾校"


def test_full_width_letters_and_digits_become_half_width_and_chinese_punctuation_stays():
    assert normalize_characters("ＳＣＤＭＡ１２３,。“”《》") == "SCDMA123,。“”《》"


def test_kangxi_radicals_from_pdf_extraction_become_ordinary_characters():
    assert normalize_characters("⼈才⾼地⼀流") == "人才高地一流"


def test_bom_and_control_characters_are_dropped():
    assert normalize_characters("\ufeff正文\x00\x07内容\r\n下一段") == "正文内容\n下一段"


def test_damaged_pdf_extract_reads_as_clean_text():
    result = clean_text((SAMPLES / "pdf_extract_damaged.txt").read_text(encoding="utf-8"))
    assert "立即发出《催办通知》" in result.text
    assert "无处不体现着" in result.text
    assert "孝感市在收到来函后" in result.text
    assert "收集整理后呈送" in result.text
    assert "工作简报" not in result.text
    assert "- 2 -" not in result.text
    assert result.text.count("\n") == 1  # two paragraphs: the page break inside the first is mended


def test_the_seed_compilation_cleans_to_the_curated_texts():
    articles = split_articles(clean_text(SEED.read_text(encoding="utf-8")).text)
    assert len(articles) == 5
    for index, article in enumerate(articles, start=1):
        curated = (ROOT / "fixtures" / "seed" / "documents" / f"0{index}.txt").read_text(encoding="utf-8")
        assert article.text == normalise_punctuation(curated.strip("\n")), index
    fifth = articles[4].text
    for phrase in ["立即发出《催办通知》", "无处不体现着", "孝感市在收到来函后", "收集整理后呈送"]:
        assert phrase in fifth
    whole = "\n".join(a.text for a in articles)
    for number in ["40多个", "1996年", "530计划", "5个模块", "1000多名"]:
        assert number in whole


@pytest.mark.parametrize(
    ("heading", "title"),
    [("第一篇:甲文", "甲文"), ("第2篇 乙文", "乙文"), ("第十篇:丙文", "丙文")],
)
def test_compilations_split_at_article_headings(heading, title):
    text = f"{heading}\n{title}\n正文第一段。\n第二段。"
    [article] = split_articles(text)
    assert article.title == title
    assert article.paragraphs == ["正文第一段。", "第二段。"]  # the repeated title line is folded


def test_title_block_gives_subtitle_and_bylines():
    text = "第四篇:驾校经验材料\n推进创新发展 构建和谐驾校\n正文。\n第五篇:报告\n报告\n□荆州市委办公室\n正文。"
    fourth, fifth = split_articles(text)
    assert fourth.subtitle == "推进创新发展 构建和谐驾校"
    assert fifth.bylines == ["□荆州市委办公室"]


def test_a_file_without_article_headings_is_one_article_titled_by_its_first_line():
    [article] = split_articles("关于赴苏州学习考察的报告\n区委政策研究室\n正文。", fallback_title="文件名")
    assert article.title == "关于赴苏州学习考察的报告"
    assert article.bylines == ["区委政策研究室"]
    [untitled] = split_articles("没有标题的正文,直接开始。", fallback_title="文件名")
    assert untitled.title == "文件名"


def test_running_headers_and_page_numbers_go_from_two_pages_on():
    from experiences.text.clean import remove_page_edges

    pages = [
        "县委办公室内部资料\n第一页的正文，内容很多。\n第一页的第二段。\n- 1 -",
        "县委办公室内部资料\n第二页的正文。\n第二页的结尾。\n- 2 -",
    ]
    kept, removed = remove_page_edges(pages)
    assert removed == ["- 1 -", "- 2 -", "县委办公室内部资料"]
    assert kept == ["第一页的正文，内容很多。\n第一页的第二段。", "第二页的正文。\n第二页的结尾。"]
    assert remove_page_edges(pages[:1]) == (pages[:1], [])  # one page: nothing to compare with
