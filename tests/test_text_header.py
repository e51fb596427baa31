"""Header and signature lines of a report: title, office, author and date out of the body."""

from __future__ import annotations

import pytest

from experiences.text.metadata import parse_bylines, parse_date
from experiences.text.split import split_articles


def test_an_office_and_a_date_under_the_title_are_metadata_not_subtitle_and_text():
    [article] = split_articles(
        "关于赴某市学习考察的报告\n市科技局考察组\n2024年5月\n5月上旬，考察组赴某市学习考察。\n一、主要做法"
    )
    assert article.title == "关于赴某市学习考察的报告"
    assert article.subtitle == ""
    assert parse_bylines(article.bylines).organization == "市科技局考察组"
    assert article.dates == ["2024年5月"]
    assert article.paragraphs[0].startswith("5月上旬")


def test_a_signature_and_date_at_the_end_leave_the_body():
    text = "考察报告\n正文第一段，内容较长。\n正文最后一段。\n执笔：张三\n市发展改革委调研组\n二〇二四年五月"
    [article] = split_articles(text)
    assert article.paragraphs == ["正文第一段，内容较长。", "正文最后一段。"]
    assert article.dates == ["二〇二四年五月"]
    byline = parse_bylines(article.bylines)
    assert byline.authors == ["张三"]
    assert byline.organization == "市发展改革委调研组"


def test_a_short_last_line_without_a_date_stays_in_the_body():
    [article] = split_articles("报告\n正文第一段，内容较长。\n市科技局")
    assert article.paragraphs[-1] == "市科技局"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2024年5月", (2024, 5)),
        ("二〇二四年五月", (2024, 5)),
        ("二〇二三年十二月", (2023, 12)),
        ("2024-05-12", (2024, 5)),
        ("2024年5月12日", (2024, 5)),
        ("没有日期", (None, None)),
    ],
)
def test_dates_in_digits_or_chinese(line, expected):
    assert parse_date(line) == expected
