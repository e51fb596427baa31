"""Search-result snippets: a window of the original text with the query's words marked.

Pure, and escaping-safe by construction: the result is fragments that the
template renders with auto-escaping, ``<mark>`` being template markup.
"""

from __future__ import annotations

import re

from .passages import Fragment

WIDTH = 140


def snippet(text: str, words: list[str], *, width: int = WIDTH) -> list[Fragment]:
    """Up to ``width`` characters around the first match, every match marked; "…" where cut."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    pattern = _pattern(words)
    first = pattern.search(text) if pattern else None
    start = 0 if first is None else max(0, first.start() - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    window = text[start:end]
    fragments = [Fragment("…")] if start > 0 else []
    position = 0
    for match in pattern.finditer(window) if pattern else ():
        if match.start() > position:
            fragments.append(Fragment(window[position : match.start()]))
        fragments.append(Fragment(match.group(), mark="hit"))
        position = match.end()
    if position < len(window):
        fragments.append(Fragment(window[position:]))
    if end < len(text):
        fragments.append(Fragment("…"))
    return fragments


def _pattern(words: list[str]) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
