"""Cleaning of raw extracted text: pure functions, one rule each.

The order matters and is fixed by :func:`clean_text`: normalise characters,
drop page furniture (page numbers, running headers), collapse the spaces PDF
extraction puts between Chinese characters, then join lines that were broken
mid-sentence into paragraphs (one paragraph per line in the result).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .typography import normalise_punctuation

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese punctuation and quotes that hug Chinese text; a space next to them is layout.
CJK_PUNCT = (
    "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
)
_CJK_OR_PUNCT = f"[{CJK}{CJK_PUNCT}]"

SENTENCE_END = "。\uff01\uff1f\uff1b\uff1a…!?;:"
CLOSERS = "”’」』\uff09】》)\"'"
_RADICALS = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<={_CJK_OR_PUNCT})[ \t\u3000\u00a0]+(?={_CJK_OR_PUNCT})")
_TRAILING_PAGE_NUMBER = re.compile(f"(?<={_CJK_OR_PUNCT})[ \t\u3000]+(\\d{{1,4}})$")
_PAGE_NUMBER_LINE = re.compile(
    r"^(?:[-—–_\s]*\d{1,4}[-—–_\s]*|第\s*\d{1,4}\s*页(?:\s*[/,,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|page\s*\d+)$",
    re.IGNORECASE,
)
COMPILATION_HEADING = re.compile(r"^第[一二三四五六七八九十百零〇\d]+篇\s*[:\uff1a]?")
# Outline labels that start a new paragraph (used to decide line joins).
OUTLINE_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[篇章节部分]|[一二三四五六七八九十百]+、|[(\uff08][一二三四五六七八九十百\d]+[)\uff09]|\d{1,2}[.\uff0e、](?!\d))"
)


@dataclass
class CleanResult:
    text: str
    removed_page_numbers: list[str] = field(default_factory=list)
    removed_running_lines: list[str] = field(default_factory=list)
    punctuation_fixed: int = 0  # half-width marks in Chinese made full-width


def _unified_ideograph(match: re.Match) -> str:
    folded = unicodedata.normalize("NFKC", match.group())
    return folded if len(folded) == 1 else match.group()


def normalize_characters(text: str) -> str:
    """Unify line breaks, drop BOMs and control characters, make Latin letters and digits half-width.

    PDF text extraction often yields Kangxi radicals (⼈ U+2F08, ⾼ U+2F7C) or
    compatibility ideographs instead of the ordinary characters 人 and 高;
    they look the same but break search, so they are folded back. Full-width
    Chinese punctuation stays full-width; half-width marks used in Chinese are
    made full-width at the end of the pipeline (text.typography).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = _RADICALS.sub(_unified_ideograph, text)
    return _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)


def strip_lines(lines: list[str]) -> list[str]:
    return [line.strip(" \u3000\u00a0") for line in lines]


def remove_page_number_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """Drop lines that are only a page number (``3``, ``- 3 -``, ``第3页``, ``3/12``)."""
    kept, removed = [], []
    for line in lines:
        (removed if line and _PAGE_NUMBER_LINE.match(line) else kept).append(line)
    return kept, removed


def remove_running_lines(
    lines: list[str], *, min_repeats: int = 3, max_length: int = 40
) -> tuple[list[str], list[str]]:
    """Drop running headers and footers: short lines repeated on many pages.

    Outline headings (``一、主要经验``) may legitimately repeat in a
    compilation, so lines that start with outline numbering are never dropped.
    """
    counts = Counter(line for line in lines if line and len(line) <= max_length)
    running = {
        line
        for line, n in counts.items()
        if n >= min_repeats and not OUTLINE_START.match(line) and not line.endswith(tuple(SENTENCE_END))
    }
    return [line for line in lines if line not in running], sorted(running)


EDGE_LINES = 2  # lines at the top and at the bottom of a page where running headers and footers stand


def _edge_key(line: str) -> str:
    """A header or footer with its page number blanked: 第3页 and 第4页, "报告 - 3 -" and "报告 - 4 -" match."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def remove_page_edges(pages: list[str], *, max_length: int = 60) -> tuple[list[str], list[str]]:
    """Drop running headers and footers of a paginated text, found from two pages on.

    A short line among the first or last lines of a page that recurs (page
    numbers aside) at the same edge of another page is a header or footer.
    Without pages, ``remove_running_lines`` needs three repeats anywhere.
    """
    if len(pages) < 2:
        return pages, []
    split = [[line for line in page.split("\n")] for page in pages]

    def edges(lines: list[str]) -> list[tuple[str, int]]:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        top, bottom = filled[:EDGE_LINES], filled[-EDGE_LINES:]
        return [("top", i) for i in top] + [("bottom", i) for i in bottom if i not in top]

    seen: Counter[tuple[str, str]] = Counter()
    for lines in split:
        seen.update({(side, _edge_key(lines[i])) for side, i in edges(lines) if len(lines[i].strip()) <= max_length})
    running = {key for key, n in seen.items() if n >= 2 and key[1] and not OUTLINE_START.match(key[1])}
    removed: set[str] = set()
    result = []
    for lines in split:
        drop = {i for side, i in edges(lines) if (side, _edge_key(lines[i])) in running}
        removed.update(lines[i].strip() for i in drop)
        result.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return result, sorted(removed)


def remove_trailing_page_numbers(lines: list[str]) -> tuple[list[str], list[str]]:
    """Drop page numbers that PDF extraction left at the end of a line inside a sentence.

    ``立即发出《催 2`` + ``办通知》`` → ``立即发出《催`` + ``办通知》``. A number is
    taken for a page number only when it follows Chinese text after a space,
    the line does not end its sentence, and the candidates across the text
    increase (page numbers do; real quantities such as ``40多个`` never stand
    alone at a line end after a space).
    """
    candidates = []
    for index, line in enumerate(lines):
        match = _TRAILING_PAGE_NUMBER.search(line)
        if match and index + 1 < len(lines) and lines[index + 1]:
            candidates.append((index, int(match.group(1)), match))
    accepted: set[int] = set()
    previous = None
    for index, number, _match in candidates:
        if previous is None or number > previous:
            accepted.add(index)
            previous = number
    if len(accepted) == 1 and len(candidates) == 1:
        # A single candidate is trusted only if it is a plausible page number.
        index, number, _ = candidates[0]
        if number > 500:
            accepted.clear()
    result, removed = [], []
    for index, line in enumerate(lines):
        if index in accepted:
            match = _TRAILING_PAGE_NUMBER.search(line)
            removed.append(match.group(1))
            line = line[: match.start()]
        result.append(line)
    return result, removed


def is_title_like(line: str, *, max_length: int = 30) -> bool:
    """A short line without sentence punctuation: a title, subtitle, byline or heading.

    The enumeration comma 、 does not count (``王圣学、刘科伟``, ``一、主要经验``).
    """
    return 0 < len(line) <= max_length and not re.search(r"[,\uff0c。;\uff1b:\uff1a!\uff01?\uff1f…]", line)


def is_bracketed(line: str) -> bool:
    """A whole line in brackets: an affiliation such as ``(西北大学城市与资源学系,陕西西安,710069)``."""
    return len(line) >= 2 and line[0] in "(\uff08【[" and line[-1] in ")\uff09】]"


def collapse_cjk_spaces(line: str) -> str:
    """Remove spaces between Chinese characters or punctuation; keep them around Latin words and numbers.

    Title-like lines keep a single separating space: ``推进创新发展 构建和谐驾校``
    is a title with two phrases, not a broken word.
    """
    if is_title_like(line):
        return re.sub(r"[ \u3000\u00a0]{2,}", " ", line)
    line = _SPACE_BETWEEN_CJK.sub("", line)
    return re.sub(r"(?<=[^\s]) {2,}(?=[^\s])", " ", line)


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip(CLOSERS)
    if stripped != line and not stripped:
        return True
    if line and line[-1] in CLOSERS:
        # “…。” and (…。) end a sentence; 《催 or “网评武汉” alone do not.
        return bool(stripped) and stripped[-1] in SENTENCE_END
    return bool(line) and line[-1] in SENTENCE_END


_CN_YEAR = "〇○零一二三四五六七八九"
_CN_NUMBER = "一二三四五六七八九十"
# A line that is only a date: 2024年5月, 2024年5月12日, 二〇二四年五月, 2024-05-12, 2024.5.
DATE_LINE = re.compile(
    rf"^(?:(?:19|20)\d{{2}}|[{_CN_YEAR}]{{4}})\s*年\s*(?:\d{{1,2}}|[{_CN_NUMBER}]{{1,2}})\s*月"
    rf"(?:\s*(?:\d{{1,2}}|[{_CN_NUMBER}]{{1,3}})\s*日)?$|^(?:19|20)\d{{2}}[-./]\d{{1,2}}(?:[-./]\d{{1,2}})?$"
)
# 执笔：王明 — a signature line, a paragraph of its own although it has a colon.
SIGNATURE = re.compile(r"^(?:作者|撰稿|执笔|撰文|供稿|整理)\s*[:\uff1a]")


def join_broken_lines(lines: list[str]) -> list[str]:
    """Merge lines broken mid-sentence into paragraphs; keep real paragraph breaks.

    A line continues on the next one unless it ends a sentence, either line is
    empty, the next line starts a new outline item, or the paragraph so far is
    a single title-like line (title, byline, heading, affiliation in brackets).
    """
    paragraphs: list[str] = []
    current, previous = "", ""
    for line in lines:
        if current and _paragraph_breaks(accumulated=current, previous=previous, line=line):
            paragraphs.append(current)
            current = ""
        if line:
            current += (" " if current and _joins_with_space(current, line) else "") + line
        previous = line
    if current:
        paragraphs.append(current)
    return paragraphs


def _paragraph_breaks(*, accumulated: str, previous: str, line: str) -> bool:
    if not line or not previous or ends_sentence(accumulated) or OUTLINE_START.match(line):
        return True
    if DATE_LINE.match(line.strip()) or (accumulated == previous and SIGNATURE.match(previous)):
        return True  # a date or a 执笔 line stands alone (a report's signature)
    # A short unpunctuated line stands alone only when it is a paragraph of its
    # own (a title or byline); at the end of a longer paragraph it is just the
    # rest of a sentence broken by the page width.
    starts_paragraph = accumulated == previous
    return starts_paragraph and (
        is_title_like(previous) or is_bracketed(previous) or bool(COMPILATION_HEADING.match(previous))
    )


def _joins_with_space(left: str, right: str) -> bool:
    """English words broken across lines need their space back; Chinese never does."""
    return bool(re.search(r"[A-Za-z0-9,.;:]$", left) and re.match(r"[A-Za-z0-9]", right))


def _changed_characters(before: str, after: str) -> int:
    """How many characters a one-for-one replacement changed (counted in C: texts run to megabytes)."""
    if len(before) != len(after):
        raise ValueError("not a one-for-one replacement")
    return sum(map(operator.ne, before, after))


def clean_text(text: str) -> CleanResult:
    """The whole cleaning pipeline: raw extracted text in, one paragraph per line out."""
    lines = strip_lines(normalize_characters(text).split("\n"))
    lines, page_lines = remove_page_number_lines(lines)
    lines, running = remove_running_lines(lines)
    lines, trailing = remove_trailing_page_numbers(lines)
    lines = [collapse_cjk_spaces(line) for line in lines]
    paragraphs = "\n".join(join_broken_lines(lines))
    text = normalise_punctuation(paragraphs)
    return CleanResult(
        text=text,
        removed_page_numbers=page_lines + trailing,
        removed_running_lines=running,
        punctuation_fixed=_changed_characters(paragraphs, text),
    )
