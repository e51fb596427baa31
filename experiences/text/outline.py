"""A document's section tree from Chinese outline numbering.

Recognised labels, whatever the order in which a document nests them:
``第一章``, ``一、``, ``（一）``/``(一)``, ``1.``, ``1、``, ``（1）``/``(1)``, ``①``.
The first kind met becomes the top level, a new kind nests under the current
item, a kind already open closes the deeper ones (as docutils does for
reStructuredText section adornments). Parenthesised labels may also run in
inside a paragraph after a full stop or colon: ``…包括:(1)加快…。(2)加快…``.
Numbering gaps are kept as written and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN = "一二三四五六七八九十百零〇两"

LABEL_PATTERNS: list[tuple[str, str]] = [
    ("chapter", rf"第[{_CN}\d]+章"),
    ("cn", rf"[{_CN}]+、"),
    ("cn_paren", rf"[(\uff08][{_CN}]+[)\uff09]"),
    ("num_dot", r"\d{1,2}[.\uff0e](?![\d.\uff0e])"),
    ("num_dun", r"\d{1,2}、"),
    ("num_paren", r"[(\uff08]\d{1,2}[)\uff09]"),
    ("circled", f"[{_CIRCLED}]"),
]
RUN_IN_KINDS = {"cn_paren", "num_paren", "circled"}
_AT_START = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in LABEL_PATTERNS))
_RUN_IN = re.compile(
    r"(?<=[。;\uff1b:\uff1a!\uff01?\uff1f])(?:"
    + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in LABEL_PATTERNS if kind in RUN_IN_KINDS)
    + ")"
)
_CLAUSE_END = re.compile(r"[,\uff0c:\uff1a;\uff1b]")
MAX_HEADING = 120
SHORT_HEADING = 40


@dataclass
class OutlineNode:
    label: str
    heading: str
    depth: int
    parent: int | None  # index of the parent node in the outline list
    start: int
    end: int = 0
    kind: str = ""
    value: int | None = None
    key: str = ""


@dataclass
class Outline:
    nodes: list[OutlineNode] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def label_value(label: str) -> int | None:
    """The number a label stands for: 第十二章 → 12, (三) → 3, 5. → 5, ④ → 4."""
    if label and label[0] in _CIRCLED:
        return _CIRCLED.index(label[0]) + 1
    digits = re.search(r"\d+", label)
    if digits:
        return int(digits.group())
    chars = re.sub(f"[^{_CN}]", "", label.removeprefix("第"))
    if not chars:
        return None
    total, current = 0, 0
    for char in chars:
        if char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = _CN_DIGITS[char]
    return total + current


def assign_ends(nodes: list[OutlineNode], *, text_length: int) -> None:
    """A node ends where the next node at the same or a higher level starts.

    In pre-order that boundary never lies beyond the parent's own end.
    """
    for index, node in enumerate(nodes):
        node.end = next((n.start for n in nodes[index + 1 :] if n.depth <= node.depth), text_length)


_FOOTNOTE = re.compile(r"^(?:[1-9]\d?(?=[\u4e00-\u9fff])|[①②③④⑤⑥⑦⑧⑨⑩]|注\s*[:\uff1a]|\[\d+\]|资料来源\s*[:\uff1a])")


def body_end(text: str) -> int:
    """Where the trailing footnotes begin (``1本书由…出版``), or the text's end.

    Footnotes belong to the document, not to its last section.
    """
    end = len(text)
    while True:
        start = text.rfind("\n", 0, end) + 1
        if start == 0 or not _FOOTNOTE.match(text[start:end]):
            return end if end == len(text) else end + 1
        end = start - 1


def heading_from(stretch: str, *, whole_paragraph: bool) -> str:
    """The heading of a run-in item: its first sentence, or first clause when it is a single sentence.

    ``秘书督查工作主动超前。`` → itself without 。; ``信息工作开拓创新。武汉市委…`` →
    ``信息工作开拓创新``; ``加快工业化的步伐,建立现代企业制度…。`` → ``加快工业化的步伐``.
    """
    body = stretch.strip()
    if whole_paragraph and "。" not in body and len(body) <= SHORT_HEADING:
        return body
    stop = body.find("。")
    if 0 <= stop < len(body.rstrip("。")):
        return body[:stop][:MAX_HEADING]
    single = body.rstrip("。")
    clause = _CLAUSE_END.search(single)
    return (single[: clause.start()] if clause else single)[:MAX_HEADING]


def _labels_in(paragraph: str) -> list[tuple[int, str, str]]:
    """(offset, kind, label) of the labels that start items in a paragraph."""
    found = []
    match = _AT_START.match(paragraph)
    if match:
        found.append((0, match.lastgroup, match.group()))
    for match in _RUN_IN.finditer(paragraph):
        found.append((match.start(), match.lastgroup, match.group()))
    return found


def parse_outline(text: str) -> Outline:
    """The outline of a cleaned document (one paragraph per line)."""
    outline = Outline()
    stack: list[int] = []  # indices of the open nodes, outermost first
    last_value: dict[tuple[int | None, str], int] = {}
    offset = 0
    for paragraph in text.split("\n"):
        items = []
        for position, kind, label in _labels_in(paragraph):
            value = label_value(label)
            open_kinds = [outline.nodes[i].kind for i in stack]
            if position > 0 and kind not in open_kinds and value != 1:
                continue  # a run-in "(3)" that does not start or continue a list is not a label
            while stack and kind in open_kinds and outline.nodes[stack[-1]].kind != kind:
                stack.pop()
                open_kinds.pop()
            if stack and outline.nodes[stack[-1]].kind == kind:
                stack.pop()
            parent = stack[-1] if stack else None
            node = OutlineNode(label, "", len(stack), parent, offset + position, kind=kind, value=value)
            _check_sequence(outline, node, last_value)
            outline.nodes.append(node)
            stack.append(len(outline.nodes) - 1)
            items.append(node)
        for index, node in enumerate(items):
            local = node.start - offset
            following = next((n.start - offset for n in items[index + 1 :] if n.depth <= node.depth), len(paragraph))
            stretch = paragraph[local + len(node.label) : following]
            node.heading = heading_from(stretch, whole_paragraph=local == 0 and following == len(paragraph))
        offset += len(paragraph) + 1
    if not outline.nodes and text.strip():
        outline.nodes.append(OutlineNode("", "正文", 0, None, 0))
    assign_ends(outline.nodes, text_length=body_end(text))
    return outline


def _check_sequence(outline: Outline, node: OutlineNode, last_value: dict) -> None:
    key = (node.parent, node.kind)
    previous = last_value.get(key)
    if node.value is not None:
        if previous is None and node.value != 1 and node.parent is not None:
            outline.warnings.append(f"编号“{node.label}”不是从 1 开始的。")
        elif previous is not None and node.value != previous + 1:
            outline.warnings.append(f"编号不连续：“{node.label}”前一项的编号是 {previous}，已按原文保留。")
        last_value[key] = node.value
