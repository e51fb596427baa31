"""Bringing an existing base's punctuation to the importer's: full-width marks in Chinese (text.typography).

Documents imported or seeded before the importer normalised punctuation keep
"鄂州:天气突变,…". ``normalise_base`` rewrites their texts, section headings
and lessons through the write path (history records each batch; the index
and counts follow). Normalising is one character for one, so section
offsets and place mentions hold; excerpts are re-sliced from the new text at
their old position, so they stay verbatim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import content
from .lessons import KINDS
from .models import SourceDocument
from .text.typography import changes, normalise_punctuation, normalised_span

BATCH = 50  # documents per unit of work: one revision each, transactions of bounded size
LESSON_TEXT = ("title", "summary", "body", "audience", "label")
DOCUMENT_TEXT = ("title", "subtitle", "organization", "publisher", "notes")


@dataclass
class NormaliseReport:
    documents: int = 0  # documents whose text, headings or lessons changed
    marks: int = 0  # characters changed in document texts
    lessons: int = 0
    sections: int = 0


def normalise_base(*, dry_run: bool, user=None, progress: Callable[[int, int], None] | None = None) -> NormaliseReport:
    report = NormaliseReport()
    ids = list(SourceDocument.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with content.writing(user=user, comment=_("统一标点：中文之间的半角标点改为全角")) as work:
            for document in SourceDocument.objects.filter(pk__in=chunk).order_by("pk"):
                _document(document, work=work, report=report, dry_run=dry_run)
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    return report


def _document(document: SourceDocument, *, work, report: NormaliseReport, dry_run: bool) -> None:
    old = document.text
    new = normalise_punctuation(old)
    sections = [s for s in document.sections.all() if _changed(s, ("label", "heading"))]
    lessons = [
        lesson
        for kind in KINDS
        for lesson in kind.model.objects.filter(document=document)
        if _changed(lesson, LESSON_TEXT) or normalised_span(lesson.excerpt, old=old, new=new) != lesson.excerpt
    ]
    header = _changed(document, DOCUMENT_TEXT)
    if new == old and not (sections or lessons or header):
        return
    report.documents += 1
    report.marks += changes(old)
    report.sections += len(sections)
    report.lessons += len(lessons)
    if dry_run:
        return
    work.changing(document)
    for lesson in lessons:
        work.changing(lesson)
        for name in LESSON_TEXT:
            if hasattr(lesson, name):
                setattr(lesson, name, normalise_punctuation(getattr(lesson, name)))
        lesson.excerpt = normalised_span(lesson.excerpt, old=old, new=new)
        content.save(lesson)
    for section in sections:
        section.label, section.heading = normalise_punctuation(section.label), normalise_punctuation(section.heading)
        content.save(section)
    for name in DOCUMENT_TEXT:
        setattr(document, name, normalise_punctuation(getattr(document, name)))
    document.text = new
    document.fingerprint_text()
    content.save(document)


def _changed(obj, names: tuple[str, ...]) -> bool:
    return any(hasattr(obj, name) and normalise_punctuation(getattr(obj, name)) != getattr(obj, name) for name in names)


__all__ = ["NormaliseReport", "normalise_base"]
