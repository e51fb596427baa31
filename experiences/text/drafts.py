"""Draft proposals: which outline items look like practices and which like recommendations.

Numbered items under a heading about 经验 / 做法 / 实践 become draft practices;
under 启示 / 建议 / 体会 / 对策 draft recommendations, their own numbered
sub-points becoming sub-recommendations. A paragraph that lists its points
in a run-in enumeration (其主要做法是：一是……；二是……, 启示有三：（1）……,
首先……其次……, 一要……二要……) gives one draft per item, under such a heading
or anywhere its lead-in names 做法 or 启示. An unnumbered 经验材料 gives one
draft practice per paragraph. Everything here is a proposal for a curator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .enumerations import Enumeration, find_enumerations, item_title
from .outline import Outline, OutlineNode

PRACTICE_WORDS = re.compile(r"(经验|做法|作法|实践|举措|措施)")
RECOMMENDATION_WORDS = re.compile(r"(启示|建议|体会|对策|思考|借鉴意义)")
AUDIENCE = re.compile(r"(我(?:市|省|区|县|州)(?:[\u4e00-\u9fff]{0,4}?(?:高新区|开发区|园区|新区))?)")
OUR_DUTY = re.compile(r"我(?:市|区|县|省|们)(?:应|要|需|必须)")
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


def _from_node(text: str, outline: Outline, index: int, kind: str, audience: str, *, top: bool = True) -> Proposal:
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
    if kind == "recommendation" and top:
        # Two levels: a point and its sub-points. Deeper items stay in their sub-point's text,
        # as a recommendation is counted, listed and exported as a point with its sub-points.
        proposal.children = [_from_node(text, outline, c, kind, audience, top=False) for c in _children(outline, index)]
    return proposal


def _paragraphs(text: str, start: int, end: int):
    """(offset, paragraph) for each line of ``text[start:end]``."""
    offset = start
    for paragraph in text[start:end].split("\n"):
        yield offset, paragraph
        offset += len(paragraph) + 1


def _paragraph_proposals(text: str, *, start: int, end: int, kind: str, node: int | None) -> list[Proposal]:
    proposals = []
    for offset, paragraph in _paragraphs(text, start, end):
        listed = _enumerated(text, offset=offset, paragraph=paragraph, kind=kind, node=node)
        if listed:
            proposals.extend(listed)
        elif len(paragraph.strip()) >= 20:
            first, last = excerpt_of(text, start=offset, end=offset + len(paragraph))
            title = re.split(r"[,\uff0c。;\uff1b:\uff1a]", paragraph, maxsplit=1)[0][:TITLE_LIMIT]
            proposals.append(Proposal(kind, title, "", offset, offset + len(paragraph), text[first:last], node=node))
    return proposals


def _lead_kind(lead: str, enumeration: Enumeration) -> str | None:
    """What the words before a list say it lists: 启示/建议/我市应 → recommendations, 做法/经验 → practices."""
    if (
        RECOMMENDATION_WORDS.search(lead)
        or enumeration.family == "yao"
        or re.search(r"我(?:市|区|县|省)(?:应|要|需)", lead)
    ):
        return "recommendation"
    if PRACTICE_WORDS.search(lead):
        return "practice"
    return None


def _enumerated(
    text: str, *, offset: int, paragraph: str, kind: str | None, node: int | None, fallback: str | None = None
) -> list[Proposal]:
    """One proposal per item of each run-in enumeration of the paragraph.

    The kind is what the lead-in says, else ``kind`` (the section's), else ``fallback`` (the document
    title's 经验/做法) for a list about another place than ours.
    """
    proposals = []
    for enumeration in find_enumerations(paragraph):
        lead = paragraph[enumeration.lead_start : enumeration.lead_end]
        item_kind = _lead_kind(lead, enumeration) or kind
        if item_kind is None and lead.strip() and not AUDIENCE.search(lead):
            item_kind = fallback
        if item_kind is None:
            continue
        audience = AUDIENCE.search(lead)
        for item in enumeration.items:
            body_start = offset + item.start + len(item.label)
            first, last = excerpt_of(text, start=offset + item.start, end=offset + item.end)
            proposals.append(
                Proposal(
                    kind=item_kind,
                    title=item_title(item.content(paragraph), limit=TITLE_LIMIT),
                    label=item.label,
                    start=body_start,
                    end=offset + item.end,
                    excerpt=text[first:last],
                    node=node,
                    audience=audience.group(1) if audience and item_kind == "recommendation" else "",
                    # The lead-in names the city a list of practices is about (合肥市近年来……其主要做法是：);
                    # before recommendations it names the model we learn from (我市要借鉴佛山的经验), not their place.
                    context_start=offset + enumeration.lead_start if item_kind == "practice" else 0,
                    context_end=offset + enumeration.lead_end if item_kind == "practice" else 0,
                )
            )
    return proposals


def _node_at(outline: Outline, at: int) -> int | None:
    """The deepest outline node whose span holds ``at``."""
    best = None
    for index, node in enumerate(outline.nodes):
        if node.start <= at < max(node.end, node.start + 1) and (
            best is None or node.depth >= outline.nodes[best].depth
        ):
            best = index
    return best


def _uncovered_lists(text: str, *, outline: Outline, covered: list[Proposal], title: str) -> list[Proposal]:
    """Run-in lists in paragraphs no heading-based proposal covers, whose lead-in names 做法 or 启示."""
    spans = [(p.start, p.end) for p in covered] + [(c.start, c.end) for p in covered for c in p.children]
    proposals = []
    for offset, paragraph in _paragraphs(text, 0, len(text)):
        if any(start < offset + len(paragraph) and offset < end for start, end in spans):
            continue
        node = _node_at(outline, offset)
        section_kind = _kind_of(outline.nodes[node].heading) if node is not None else None
        fallback = "practice" if PRACTICE_WORDS.search(title) else None
        proposals.extend(
            _enumerated(text, offset=offset, paragraph=paragraph, kind=section_kind, node=node, fallback=fallback)
        )
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
    proposals.extend(_uncovered_lists(text, outline=outline, covered=proposals, title=title))
    unnumbered = len(outline.nodes) == 1 and not outline.nodes[0].label
    if not proposals and unnumbered and PRACTICE_WORDS.search(title):
        proposals = _paragraph_proposals(text, start=0, end=len(text), kind="practice", node=0)
    return sorted(proposals, key=lambda p: p.start)
