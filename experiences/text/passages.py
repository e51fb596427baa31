"""Split a text into displayable paragraphs with highlighted spans and anchors.

Pure: the templates render the fragments with auto-escaping, so no stored text
is ever marked safe; highlighting is structure, not HTML built from strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    key: str = ""


@dataclass(frozen=True)
class Fragment:
    text: str
    mark: str | None = None  # key of the highlight covering this text
    anchor: str | None = None  # an empty fragment that marks a position


def find_excerpt(text: str, excerpt: str, *, start: int = 0, end: int | None = None) -> Span | None:
    """Where a verbatim excerpt sits in text, preferring the given window."""
    if not excerpt:
        return None
    found = text.find(excerpt, start, len(text) if end is None else end)
    if found < 0:
        found = text.find(excerpt)
    if found < 0:
        return None
    return Span(found, found + len(excerpt))


def paragraphs(
    text: str,
    *,
    marks: Iterable[Span] = (),
    anchors: Iterable[Span] = (),
    offset: int = 0,
) -> list[list[Fragment]]:
    """Paragraphs (split at line breaks) as lists of fragments.

    ``text`` may be a slice of a larger text starting at ``offset``; spans use
    offsets into the larger text, so a document's excerpt offsets can be used
    unchanged on one of its sections.
    """
    marks = [Span(max(m.start - offset, 0), min(m.end - offset, len(text)), m.key) for m in marks]
    marks = [m for m in marks if m.start < m.end]
    anchor_at: dict[int, list[str]] = {}
    for anchor in anchors:
        position = anchor.start - offset
        if 0 <= position <= len(text):
            anchor_at.setdefault(position, []).append(anchor.key)
    cuts = {0, len(text)} | {m.start for m in marks} | {m.end for m in marks} | set(anchor_at)
    cuts |= {i for i, ch in enumerate(text) if ch == "\n"} | {i + 1 for i, ch in enumerate(text) if ch == "\n"}
    result: list[list[Fragment]] = [[]]
    points = sorted(cuts)
    for left, right in zip(points, [*points[1:], None], strict=True):
        for key in anchor_at.get(left, []):
            result[-1].append(Fragment("", anchor=key))
        if right is None:
            break
        piece = text[left:right]
        if piece == "\n":
            result.append([])
            continue
        covering = next((m.key for m in marks if m.start <= left and right <= m.end), None)
        result[-1].append(Fragment(piece, mark=covering))
    return [p for p in result if any(f.text for f in p) or any(f.anchor for f in p)]
