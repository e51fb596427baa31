"""Provenance metadata from an article's bylines and footnotes, and a guess at its kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Byline markers: □荆州市委办公室, 作者:王圣学 (shared with the title-block splitter).
OFFICE_MARK = re.compile(r"^[□■◇◆●○◎☆★]+\s*")
AUTHOR_PREFIX = re.compile(r"^(?:作者|撰稿|执笔|撰文|供稿|来源)\s*[:\uff1a]\s*")
_FOOTNOTE_MARK = re.compile(r"^[\d①②③④⑤*]+|[\d①②③④⑤*]+$")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
_PUBLISHED = re.compile(
    r"(?P<publisher>[\u4e00-\u9fff]{2,20}(?:出版社|出版公司|杂志社|报社|书局))"
    r"[,\uff0c\s]*(?P<year>(?:19|20)\d{2})\s*年(?:\s*(?P<month>\d{1,2})\s*月)?(?:第\d+期)?\s*出版"
)
_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:\s*(?P<month>\d{1,2})\s*月)?")
_FOOTNOTE = re.compile(r"^(?:[\d①②③④⑤]|注\s*[:\uff1a]|\[\d+\])")


@dataclass
class Provenance:
    authors: list[str] = field(default_factory=list)
    organization: str = ""
    publisher: str = ""
    year: int | None = None
    month: int | None = None


def parse_bylines(lines: list[str]) -> Provenance:
    """Authors and office from lines such as ``□荆州市委办公室``, ``1刘科伟``, ``(西北大学…,陕西西安,710069)``."""
    result = Provenance()
    for line in lines:
        bracketed = line[:1] in "(\uff08【[" and line[-1:] in ")\uff09】]"
        if bracketed:
            parts = re.split(r"[,\uff0c;\uff1b]", line[1:-1])
            if not result.organization and parts and parts[0].strip():
                result.organization = parts[0].strip()
            date = _DATE.search(line)
            if date and not result.year:
                result.year, result.month = _date_parts(date)
            continue
        marked = bool(OFFICE_MARK.match(line))
        content = AUTHOR_PREFIX.sub("", OFFICE_MARK.sub("", line)).strip()
        names = [_FOOTNOTE_MARK.sub("", part).strip() for part in re.split(r"[、,\uff0c\s]+", content) if part.strip()]
        if not marked and names and all(_PERSON.match(name) for name in names):
            result.authors.extend(names)
        elif content and not result.organization:
            result.organization = content
    return result


def parse_footnotes(paragraphs: list[str]) -> Provenance:
    """Publisher and date from a footnote: ``1本书由王圣学、刘科伟著,西安地图出版社1995年出版``."""
    result = Provenance()
    for paragraph in paragraphs:
        if not _FOOTNOTE.match(paragraph):
            continue
        match = _PUBLISHED.search(paragraph)
        if match:
            result.publisher = match.group("publisher")
            result.year, result.month = _date_parts(match)
            break
    return result


_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
_DATE_LINE = re.compile(
    r"(?P<year>\d{4}|[〇○零一二三四五六七八九]{4})\s*[年\-./]\s*(?P<month>\d{1,2}|[一二三四五六七八九十]{1,2})"
)


def _cn_number(text: str) -> int:
    """A year or a month in digits or Chinese: 二〇二四 → 2024 (digit by digit), 十二 → 12, 五 → 5."""
    if text.isdigit():
        return int(text)
    if len(text) == 4:
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    if text.startswith("十"):
        return 10 + (_CN_DIGIT[text[1]] if len(text) > 1 else 0)
    return _CN_DIGIT[text[0]]


def parse_date(line: str) -> tuple[int | None, int | None]:
    """Year and month of a date line: 2024年5月, 二〇二四年五月, 2024-05-12; (None, None) if it is none."""
    match = _DATE_LINE.search(line)
    if not match:
        return None, None
    year, month = _cn_number(match.group("year")), _cn_number(match.group("month"))
    if not 1900 <= year <= 2100:
        return None, None
    return year, month if 1 <= month <= 12 else None


def _date_parts(match: re.Match) -> tuple[int | None, int | None]:
    month = int(match.group("month")) if match.group("month") else None
    return int(match.group("year")), month if month and 1 <= month <= 12 else None


KINDS = ("research_report", "book_review", "experience_material", "study_tour_report", "other")


def guess_kind(*, title: str, text: str) -> str:
    """The document type a curator would file it under, from title words and the opening."""
    opening = text[:400]
    if "经验材料" in title or "典型材料" in title:
        return "experience_material"
    if re.match(r"^《.+》$", title.strip()) and re.search(r"(本书|全书|该书|此书|著)", text[:2000]):
        return "book_review"
    if re.search(r"(考察|学习考察|考察报告)", title) or re.search(r"(赴.{1,30}(考察|学习))", opening):
        return "study_tour_report"
    if re.search(r"(调研|研究|报告|分析)", title):
        return "research_report"
    return "other"
