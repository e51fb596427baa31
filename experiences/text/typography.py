"""Punctuation between Chinese characters in its full-width forms (GB/T 15834): ，；：？！（）“”.

Reports are typed on Western keyboards: "鄂州:天气突变,接待人员(办公室)…" shows
on every page, PDF and Word file. Half-width marks stay where they belong:
inside numbers (1,000 · 3.5 · 10:30), dates, URLs (http://), Latin text and
code, and in numbering such as "1." or "(1)".

Every replacement is one character for one, so offsets into a text
(sections, excerpts, place mentions) stay valid. The rules look at the
character before a mark (and, after a digit, the one after it) or at what a
pair of brackets or quotes encloses, so a substring normalised on its own
almost always reads as the same slice of the normalised whole; where it must
(the seed's excerpts), a caller slices the normalised whole instead.
"""

from __future__ import annotations

import re

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
SIMPLE = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# A mark after a Chinese character or a full-width closing mark is Chinese punctuation; after a
# number or a percentage only when Chinese follows (增长5%,其中 — but 1,000 and 10:30 stay).
_SIMPLE_MARK = re.compile(f"(?<=[{_CJK}）」』】》〉”’])[,;:?!]|(?<=[0-9%])[,;:](?=[{_CJK}])")
_PAREN = re.compile(r"\(([^()\n]{1,200})\)")
_QUOTE = re.compile(r'"([^"\n]{1,200})"')


def normalise_punctuation(text: str) -> str:
    """``text`` with half-width punctuation used in Chinese turned full-width; same length, same offsets."""
    if not text or not _CJK_CHAR.search(text):
        return text
    # Brackets and quotes first: a mark after a closing one that became full-width is Chinese too.
    text = _PAREN.sub(_paren, text)
    text = _QUOTE.sub(_quote, text)
    return _SIMPLE_MARK.sub(_simple, text)


def _simple(match: re.Match) -> str:
    mark = match.group(0)
    following = match.string[match.end() : match.end() + 2]
    if mark == ":" and following == "//":  # 网址:http://… keeps its scheme's colon
        return mark
    return SIMPLE[mark]


def _paren(match: re.Match) -> str:
    inside = match.group(1)
    return f"（{inside}）" if _CJK_CHAR.search(inside) else match.group(0)


def _quote(match: re.Match) -> str:
    inside = match.group(1)
    return f"“{inside}”" if _CJK_CHAR.search(inside) else match.group(0)


def normalised_span(passage: str, *, old: str, new: str) -> str:
    """``passage`` (verbatim in ``old``) as it reads in ``new``, the normalised ``old``: the same span, sliced.

    Normalising the passage on its own could differ at its edges (a bracket it
    opens but does not close); slicing keeps an excerpt verbatim. A passage not
    found in ``old`` is normalised on its own.
    """
    at = old.find(passage) if passage else -1
    return new[at : at + len(passage)] if at >= 0 else normalise_punctuation(passage)


def changes(text: str) -> int:
    """How many characters normalising would change (for dry runs and import summaries)."""
    normalised = normalise_punctuation(text)
    return sum(1 for a, b in zip(text, normalised, strict=True) if a != b)
