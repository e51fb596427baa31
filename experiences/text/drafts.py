"""Draft proposals: which outline items look like practices and which like recommendations.

Numbered items under a heading about 经验 / 做法 / 实践 become draft practices;
under 启示 / 建议 / 体会 / 对策 draft recommendations, their own numbered
sub-points becoming sub-recommendations. An unnumbered 经验材料 gives one
draft practice per paragraph. Everything here is a proposal for a curator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .outline import Outline, OutlineNode

PRACTICE_WORDS = re.compile(r"(经验|做法|作法|实践|举措|措施)")
RECOMMENDATION_WORDS = re.compile(r"(启示|建议|体会|对策|思考|借鉴意义)")
AUDIENCE = re.compile(r"(我(?:市|省|区|县|州)(?:[\u4e00-\u9fff]{0,4}?(?:高新区|开发区|园区|新区))?)")
EXCERPT_LIMIT = 240
TITLE_LIMIT = 60


@dataclass
class Proposal:
    kind: str  # "practice" or "recommendation"
    title: str
    label: str
    start: int  # span of the supporting text in the document
    end: int
    excerpt: str
    node: int | None = None  # index of the outline node, when the draft is one
    audience: str = ""
    # The enclosing heading, where a draft without places of its own takes them from.
    context_start: int = 0
    context_end: int = 0
    children: list[Proposal] = field(default_factory=list)


def excerpt_of(text: str, *, start: int, end: int, limit: int = EXCERPT_LIMIT) -> tuple[int, int]:
    """A verbatim excerpt: whole sentences from ``start``, as many as fit in ``limit`` characters."""
    passage = text[start:end].rstrip()
    if len(passage) <= limit:
        return start, start + len(passage)
    cut = max((m.end() for m in re.finditer(r"[。;\uff1b!\uff01?\uff1f]", passage[:limit])), default=0)
    return start, start + (cut or limit)


def _kind_of(heading: str) -> str | None:
    if RECOMMENDATION_WORDS.search(heading):
        return "recommendation"
    if PRACTICE_WORDS.search(heading):
        return "practice"
    return None


def _children(outline: Outline, index: int) -> list[int]:
    return [i for i, node in enumerate(outline.nodes) if node.parent == index]


def _from_node(text: str, outline: Outline, index: int, kind: str, audience: str) -> Proposal:
    node: OutlineNode = outline.nodes[index]
    body_start = node.start + len(node.label)
    start, end = excerpt_of(text, start=body_start, end=node.end)
    proposal = Proposal(
        kind=kind,
        title=node.heading[:TITLE_LIMIT] or text[start:end][:TITLE_LIMIT],
        label=node.label,
        start=body_start,
        end=node.end,
        excerpt=text[start:end],
        node=index,
        audience=audience if kind == "recommendation" else "",
    )
    if node.parent is not None:
        parent = outline.nodes[node.parent]
        proposal.context_start = parent.start
        proposal.context_end = parent.start + len(parent.label) + len(parent.heading)
    if kind == "recommendation":
        proposal.children = [_from_node(text, outline, c, kind, audience) for c in _children(outline, index)]
    return proposal


def _paragraph_proposals(text: str, *, start: int, end: int, kind: str, node: int | None) -> list[Proposal]:
    proposals = []
    offset = start
    for paragraph in text[start:end].split("\n"):
        if len(paragraph.strip()) >= 20:
            first, last = excerpt_of(text, start=offset, end=offset + len(paragraph))
            title = re.split(r"[,\uff0c。;\uff1b:\uff1a]", paragraph, maxsplit=1)[0][:TITLE_LIMIT]
            proposals.append(Proposal(kind, title, "", offset, offset + len(paragraph), text[first:last], node=node))
        offset += len(paragraph) + 1
    return proposals


def propose_drafts(*, text: str, outline: Outline, title: str) -> list[Proposal]:
    proposals: list[Proposal] = []
    for index, node in enumerate(outline.nodes):
        kind = _kind_of(node.heading) if node.label else None
        if kind is None:
            continue
        if node.parent is not None and _kind_of(outline.nodes[node.parent].heading):
            continue  # already covered as a child of an enclosing 经验/启示 section
        match = AUDIENCE.search(node.heading)
        audience = match.group(1) if match else ""
        children = _children(outline, index)
        if children:
            proposals.extend(_from_node(text, outline, c, kind, audience) for c in children)
        else:
            heading_end = text.find("\n", node.start)
            body_start = node.end if heading_end < 0 else min(heading_end + 1, node.end)
            proposals.extend(_paragraph_proposals(text, start=body_start, end=node.end, kind=kind, node=index))
    unnumbered = len(outline.nodes) == 1 and not outline.nodes[0].label
    if not proposals and unnumbered and PRACTICE_WORDS.search(title):
        proposals = _paragraph_proposals(text, start=0, end=len(text), kind="practice", node=0)
    return proposals
