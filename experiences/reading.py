"""A lesson's source passage and a document's reader view: what is shown, with what marked.

The text is split into fragments here and rendered with auto-escaping by the
templates; nothing stored is ever marked safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Practice, Recommendation, Section, SourceDocument
from .text.passages import Fragment, Span, find_excerpt, paragraphs


@dataclass
class Paragraph:
    fragments: list[Fragment]
    heading: int = 0  # a heading line of the outline: its depth (1 for 一、…), else 0


@dataclass
class Passage:
    paragraphs: list[Paragraph]
    found: bool  # whether the lesson's excerpt was located in the source


def source_passage(lesson: Practice | Recommendation) -> Passage:
    """The lesson's section of its source, with the excerpt highlighted in it."""
    text = lesson.document.text
    section = lesson.section
    start, end = (section.start, section.end) if section else (0, len(text))
    span = find_excerpt(text, lesson.excerpt, start=start, end=end)
    if span is not None and not (start <= span.start and span.end <= end):
        start, end = span.start, span.end  # the excerpt lies outside the recorded section
    marks = [Span(span.start, span.end, "excerpt")] if span else []
    found = paragraphs(text[start:end], marks=marks, offset=start)
    return Passage([Paragraph(fragments) for fragments in found], span is not None)


def mark_key(lesson) -> str:
    """How the reader names a lesson's highlight (``practice-12``): the key of ``lesson_links``."""
    return f"{lesson._meta.model_name}-{lesson.pk}"


def marked_text(document: SourceDocument, *, lessons: Iterable, sections: list[Section]) -> list[Paragraph]:
    """The whole document with an anchor per section, every lesson's excerpt marked, and heading lines known."""
    marks = []
    for lesson in lessons:
        span = find_excerpt(document.text, lesson.excerpt)
        if span:
            marks.append(Span(span.start, span.end, mark_key(lesson)))
    anchors = [Span(s.start, s.start, f"sec-{s.pk}") for s in sections]
    headings = _heading_lines(sections)
    result = []
    for fragments in paragraphs(document.text, marks=marks, anchors=anchors):
        anchor = next((f.anchor for f in fragments if f.anchor), None)
        level, heading = headings.get(anchor, (0, ""))
        line = _bare("".join(f.text for f in fragments))
        result.append(Paragraph(fragments, level if heading and line == heading else 0))
    return result


def _bare(text: str) -> str:
    return text.strip().rstrip("。.：:；;，, ")


def _heading_lines(sections: list[Section]) -> dict[str, tuple[int, str]]:
    """Each section's anchor → (depth, its heading as a line reads): a paragraph that says just that is a heading."""
    depth: dict[int, int] = {}
    by_pk = {s.pk: s for s in sections}
    for section in sections:
        level, parent = 1, by_pk.get(section.parent_id)
        while parent is not None and level < 6:
            level, parent = level + 1, by_pk.get(parent.parent_id)
        depth[section.pk] = level
    return {f"sec-{s.pk}": (depth[s.pk], _bare(f"{s.label}{s.heading}")) for s in sections}


def lesson_links(lessons: Iterable) -> dict[str, dict[str, str]]:
    """Each highlight's lesson: where a click on the passage leads, and its title on hover."""
    return {mark_key(lesson): {"url": lesson.get_absolute_url(), "title": str(lesson)} for lesson in lessons}


def outline_tree(sections: list[Section]) -> list[dict]:
    """Nest a document's ordered sections into a tree for the template."""
    nodes = {s.pk: {"section": s, "children": []} for s in sections}
    roots = []
    for section in sections:
        (nodes[section.parent_id]["children"] if section.parent_id in nodes else roots).append(nodes[section.pk])
    return roots
