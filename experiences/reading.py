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
class Passage:
    paragraphs: list[list[Fragment]]
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
    return Passage(paragraphs(text[start:end], marks=marks, offset=start), span is not None)


def marked_text(document: SourceDocument, *, lessons: Iterable, sections: list[Section]) -> list[list[Fragment]]:
    """The whole document with an anchor per section and every lesson's excerpt marked."""
    marks = []
    for lesson in lessons:
        span = find_excerpt(document.text, lesson.excerpt)
        if span:
            marks.append(Span(span.start, span.end, f"{lesson._meta.model_name}-{lesson.pk}"))
    anchors = [Span(s.start, s.start, f"sec-{s.pk}") for s in sections]
    return paragraphs(document.text, marks=marks, anchors=anchors)


def outline_tree(sections: list[Section]) -> list[dict]:
    """Nest a document's ordered sections into a tree for the template."""
    nodes = {s.pk: {"section": s, "children": []} for s in sections}
    roots = []
    for section in sections:
        (nodes[section.parent_id]["children"] if section.parent_id in nodes else roots).append(nodes[section.pk])
    return roots
