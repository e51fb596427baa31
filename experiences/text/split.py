"""Split a cleaned compilation into articles, with their title block.

Input is the output of :func:`experiences.text.clean.clean_text` (one paragraph
per line). A compilation separates its articles with headings such as
``第一篇:标题`` or ``第1篇 标题``; the title is often repeated on the next line,
followed by a subtitle and bylines (author, office, affiliation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import DATE_LINE, OUTLINE_START, is_bracketed, is_title_like
from .metadata import AUTHOR_PREFIX, OFFICE_MARK

ARTICLE_HEADING = re.compile(r"^第\s*([一二三四五六七八九十百零〇\d]+)\s*篇\s*[:\uff1a.\uff0e、]?\s*(.*)$")
# Person names (2-4 characters), possibly several and with a footnote digit: 1刘科伟, 王圣学、刘科伟.
_NAMES = re.compile(r"^[\d①②③*]?\s*[\u4e00-\u9fff·]{2,4}(?:\s*[、,\uff0c\s]\s*[\u4e00-\u9fff·]{2,4})*\s*[\d①②③*]?$")
_ORGANIZATION_WORDS = re.compile(
    r"(大学|学院|学校|研究院|研究所|研究中心|学系|办公室|办公厅|委员会|政府|局|厅|处|部|室|中心|协会|集团|公司|党委|市委|县委|区委)"
)

_ORGANIZATION_END = re.compile(
    r"(办公室|办公厅|研究室|研究院|研究所|研究中心|委员会|政府|局|厅|中心|协会|学会|集团|公司|大学|学院|学系|党委|市委|县委|区委"
    r"|发展改革委|考察组|调研组|课题组|工作组|小组|考察团|代表团|联合体)$"
)
TAIL_LINES = 4  # how far from the end a signature, 执笔 or date line is looked for


@dataclass
class Article:
    title: str
    heading: str = ""  # the compilation heading as written, e.g. 第一篇:…
    subtitle: str = ""
    bylines: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # date lines of the title block or the signature
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _same_title(a: str, b: str) -> bool:
    strip = str.maketrans("", "", "《》「」“”\"' \u3000")
    return a.translate(strip) == b.translate(strip)


def is_byline(line: str) -> bool:
    if OFFICE_MARK.match(line) and OFFICE_MARK.sub("", line):
        return True
    if AUTHOR_PREFIX.match(line) and AUTHOR_PREFIX.sub("", line):
        return True
    if is_bracketed(line):
        return bool(_ORGANIZATION_WORDS.search(line) or re.search(r"\d{6}", line))
    if len(line) <= 20 and _ORGANIZATION_END.search(line):
        return True  # an issuing office on its own line: 区委政策研究室
    return bool(_NAMES.match(line)) and not _ORGANIZATION_WORDS.search(line) and len(line) <= 20


def is_date_line(line: str) -> bool:
    return bool(DATE_LINE.match(line.strip()))


def split_articles(text: str, *, fallback_title: str = "") -> list[Article]:
    """Articles of a compilation; a text without ``第N篇`` headings is one article."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    starts = [i for i, p in enumerate(paragraphs) if ARTICLE_HEADING.match(p)]
    if not starts:
        return [_title_block(paragraphs, heading="", title="", fallback_title=fallback_title)] if paragraphs else []
    articles = []
    preamble = paragraphs[: starts[0]]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(paragraphs)
        heading = paragraphs[start]
        title = ARTICLE_HEADING.match(heading).group(2).strip()
        articles.append(
            _title_block(paragraphs[start + 1 : end], heading=heading, title=title, fallback_title=fallback_title)
        )
    if preamble and articles:
        # Text before the first heading (a compilation's own title or foreword) is kept, not lost.
        articles[0].paragraphs[:0] = [] if all(is_title_like(p) for p in preamble) else preamble
    return articles


def _title_block(paragraphs: list[str], *, heading: str, title: str, fallback_title: str) -> Article:
    body = list(paragraphs)
    if not title and body and is_title_like(body[0], max_length=60) and len(body) > 1:
        title = body.pop(0)
    elif body and title and _same_title(body[0], title):
        body.pop(0)  # the title repeated under the compilation heading
    if title and body and _continues_title(title, body[0]):
        title += body.pop(0)  # a title wrapped over two lines (a PDF's narrow column)
    article = Article(title=title or fallback_title, heading=heading)
    while body and not OUTLINE_START.match(body[0]) and _in_title_block(body[0]):
        line = body[0]
        if is_date_line(line):
            article.dates.append(body.pop(0))
        elif is_byline(line):
            article.bylines.append(body.pop(0))
        elif not article.subtitle and not article.bylines and len(body) > 1:
            article.subtitle = re.sub(r"^[—\-\s]+", "", body.pop(0)).strip()
        else:
            break
    _signature(body, article)
    article.paragraphs = body
    return article


_TITLE_TAIL = re.compile(r"(报告|调研|研究|材料|汇报|纪要|体会|情况|启示|建议|经验|做法|思考|对策)$")


def _continues_title(title: str, line: str) -> bool:
    """Whether ``line`` is the rest of a wrapped title: "关于赴安吉学习乡村振兴经验" + "的调研报告"."""
    if len(line) > 16 or not is_title_like(line) or OUTLINE_START.match(line) or line.startswith("—"):
        return False
    if is_byline(line) or is_date_line(line):
        return False
    if _TITLE_TAIL.search(title) and not line.startswith(("的", "之")):
        return False  # the title is complete; the line is a subtitle
    return line.startswith(("的", "之", "与", "和", "及")) or bool(_TITLE_TAIL.search(line))


def _in_title_block(line: str) -> bool:
    return (
        is_title_like(line, max_length=40)
        or is_bracketed(line)
        or is_date_line(line)
        or bool(AUTHOR_PREFIX.match(line))
    )


def _signature(body: list[str], article: Article) -> None:
    """The closing lines that sign a report (市科技局考察组 / 2024年5月 / 执笔：张三): moved out of the body.

    An office name among them counts only beside a date or 执笔 line: alone, a short last line may be text.
    """
    signed = False
    for _ in range(TAIL_LINES):
        if len(body) <= 1:
            return
        line = body[-1]
        if is_date_line(line):
            article.dates.append(body.pop())
            signed = True
        elif len(line) <= 30 and AUTHOR_PREFIX.match(line) and AUTHOR_PREFIX.sub("", line):
            article.bylines.append(body.pop())
            signed = True
        elif (
            len(line) <= 20
            and _ORGANIZATION_END.search(line)
            and is_title_like(line)
            and (signed or is_date_line(body[-2]))
        ):
            article.bylines.append(body.pop())
        else:
            return
