"""Run-in enumerations inside a paragraph: how Chinese reports list what a city did or what we should do.

"其主要做法是：一是……；二是……；三是……", "启示有三：（1）……；（2）……", "首先……其次……最后……",
"一要……二要……", "第一，……第二，……", "①……②……". Each enumeration is found with
its lead-in (the words before its first item, where the cue 做法 or 启示 and
the subject city usually stand) and its items, as character spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUMERALS = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
# A marker opens an item only at a clause boundary: the paragraph's start or after punctuation.
_BOUNDARY = "。；;：:，,！!？?\n"
_CLAUSE = re.compile(r"[，,。；;：:！!？?]")


@dataclass
class Item:
    label: str
    start: int  # from the marker
    end: int  # the item's last character, trailing separators excluded

    def text(self, paragraph: str) -> str:
        return paragraph[self.start : self.end]

    def content(self, paragraph: str) -> str:
        """The item without its marker: "一是抓统筹" → "抓统筹"; "第一，抓统筹" → "抓统筹"."""
        return paragraph[self.start + len(self.label) : self.end].lstrip("，,、：: ")


@dataclass
class Enumeration:
    family: str  # "shi" (一是), "yao" (一要), "di" (第一), "paren" ((1)), "circled" (①), "order" (首先)
    lead_start: int
    lead_end: int  # where the first item's marker begins
    items: list[Item] = field(default_factory=list)


def _numbered(template: str, count: int = 10) -> list[str]:
    return [template.format(n) for n in _NUMERALS[:count]]


# Each family's markers in order; "di" markers must be followed by a comma, 是 or 、 (第一时间 is not an item).
FAMILIES: dict[str, list[str]] = {
    "shi": _numbered("{}是"),
    "yao": _numbered("{}要"),
    "di": _numbered("第{}"),
    "paren": [f"({n})" for n in range(1, 11)],
    "paren_cn": [f"（{n}）" for n in range(1, 11)],
    "circled": list(_CIRCLED),
}
ORDER_FIRST, ORDER_NEXT, ORDER_LAST = ("首先",), ("其次", "再次", "然后", "第三"), ("最后",)
_DI_FOLLOW = "，,、是:："


def _at_boundary(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] in _BOUNDARY


def _find_sequence(paragraph: str, markers: list[str], *, family: str) -> list[tuple[str, int]]:
    """The longest run of markers 1, 2, 3… in order, each at a clause boundary."""
    found: list[tuple[str, int]] = []
    position = 0
    for marker in markers:
        at = position
        while True:
            at = paragraph.find(marker, at)
            if at < 0:
                break
            follows = paragraph[at + len(marker) : at + len(marker) + 1]
            if _at_boundary(paragraph, at) and (family != "di" or (follows and follows in _DI_FOLLOW)):
                break
            at += 1
        if at < 0:
            break
        found.append((marker, at))
        position = at + len(marker)
    return found


def _find_order(paragraph: str) -> list[tuple[str, int]]:
    """首先 … 其次/再次/然后 … 最后: a first, at least one next or a last, in order."""
    found: list[tuple[str, int]] = []
    position = 0
    for group in (ORDER_FIRST, ORDER_NEXT, ORDER_NEXT, ORDER_NEXT, ORDER_LAST):
        best = None
        for marker in group:
            at = position
            while (at := paragraph.find(marker, at)) >= 0 and not _at_boundary(paragraph, at):
                at += 1
            if at >= 0 and (best is None or at < best[1]):
                best = (marker, at)
        if best is None:
            if group is ORDER_FIRST:
                return []
            continue
        found.append(best)
        position = best[1] + len(best[0])
    return found


def _item_end(paragraph: str, start: int, stop: int | None) -> int:
    """An item runs to the next marker; the last one to the end of its sentence (or of the paragraph)."""
    if stop is None:
        full = paragraph.find("。", start)
        stop = len(paragraph) if full < 0 else full + 1
    end = stop
    while end > start and paragraph[end - 1] in "；;，,。 \u3000":
        end -= 1
    return end


def find_enumerations(paragraph: str) -> list[Enumeration]:
    """Every run-in enumeration of two or more items in ``paragraph``, in order, not overlapping."""
    candidates: list[Enumeration] = []
    sequences = [(family, _find_sequence(paragraph, markers, family=family)) for family, markers in FAMILIES.items()]
    sequences.append(("order", _find_order(paragraph)))
    for family, found in sequences:
        if len(found) < 2:
            continue
        items = []
        for index, (marker, at) in enumerate(found):
            following = found[index + 1][1] if index + 1 < len(found) else None
            items.append(Item(marker, at, _item_end(paragraph, at, following)))
        first = found[0][1]
        # The lead-in is what the paragraph says before the list: its subject (合肥市近年来……) and cue (其主要做法是：).
        candidates.append(Enumeration(family.removesuffix("_cn"), 0, first, items))
    # Where two families overlap (一是 inside (1)…), keep the one that starts first.
    candidates.sort(key=lambda e: (e.items[0].start, -len(e.items)))
    kept: list[Enumeration] = []
    for enumeration in candidates:
        if not kept or enumeration.items[0].start >= kept[-1].items[-1].end:
            kept.append(enumeration)
    return kept


def item_title(content: str, *, limit: int = 60) -> str:
    """An item's first clause: "抓统筹，……" → "抓统筹"."""
    return _CLAUSE.split(content, maxsplit=1)[0][:limit]
