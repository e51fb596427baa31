"""File → cleaned text → documents, outline, place mentions and draft lessons.

:func:`plan_import` does all the reading and analysis and writes nothing: the
admin preview and ``import_documents --dry-run`` show exactly the plan that
:func:`apply_plan` then writes, in one transaction. Everything imported is a
draft for a curator to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from . import segmentation
from .models import (
    ImportBatch,
    Place,
    PlaceMention,
    Practice,
    Recommendation,
    Section,
    SourceDocument,
    Status,
    Theme,
)
from .readers import UnreadableFile, read_document
from .text.clean import clean_text
from .text.drafts import Proposal, propose_drafts
from .text.fingerprint import Sketch, content_hash, shingles, similarity
from .text.keywords import DocumentFrequencies, suggest_themes, top_keywords
from .text.metadata import guess_kind, parse_bylines, parse_footnotes
from .text.outline import Outline, parse_outline
from .text.places import Mention, detect_places, without_containing_provinces
from .text.split import split_articles


def quoted_title(title: str) -> str:
    return title if title.startswith("《") else f"《{title}》"


# Sketch estimates are within a few hundredths of the exact figure; a margin
# keeps a true duplicate from slipping under the threshold on estimation noise.
SKETCH_MARGIN = 0.15


class ImportRefused(Exception):
    """The whole file is refused; nothing was written. The message says why."""


@dataclass
class DraftPlan:
    kind: str
    title: str
    label: str
    body: str
    excerpt: str
    section: int | None  # index into DocumentPlan.outline.nodes
    places: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    audience: str = ""
    children: list[DraftPlan] = field(default_factory=list)


@dataclass
class DuplicateInfo:
    title: str
    similarity: float
    pk: int | None = None  # an existing document; None for an earlier article of the same file
    index: int | None = None
    exact: bool = False


@dataclass
class DocumentPlan:
    title: str
    subtitle: str
    kind: str
    authors: list[str]
    organization: str
    publisher: str
    year: int | None
    month: int | None
    text: str
    content_hash: str
    outline: Outline
    mentions: list[Mention]
    places: list[str]
    drafts: list[DraftPlan]
    duplicate: DuplicateInfo | None = None
    warnings: list[str] = field(default_factory=list)
    sketch: Sketch | None = None

    @property
    def draft_count(self) -> int:
        return sum(1 + len(d.children) for d in self.drafts)


@dataclass
class ImportPlan:
    name: str
    size: int
    encoding: str
    documents: list[DocumentPlan]
    warnings: list[str] = field(default_factory=list)

    @property
    def exact_duplicates(self) -> list[DocumentPlan]:
        return [d for d in self.documents if d.duplicate and d.duplicate.exact]


@dataclass
class ImportResult:
    documents: list[SourceDocument]
    sections: int = 0
    practices: int = 0
    recommendations: int = 0
    mentions: int = 0


def plan_import(*, name: str, data: bytes) -> ImportPlan:
    """Read and analyse a file; raise ImportRefused if it cannot be imported. Writes nothing."""
    try:
        read = read_document(name=name, data=data, max_bytes=settings.KBASE_IMPORT_MAX_BYTES)
    except UnreadableFile as error:
        raise ImportRefused(str(error)) from error
    cleaned = clean_text(read.text)
    articles = split_articles(cleaned.text, fallback_title=PurePath(name).stem)
    if not articles:
        raise ImportRefused(_("文件中没有可导入的正文。"))
    plan = ImportPlan(name=name, size=len(data), encoding=read.encoding, documents=[])
    if cleaned.removed_page_numbers:
        plan.warnings.append(_("已删除混入正文的页码 %(n)d 处。") % {"n": len(cleaned.removed_page_numbers)})
    if cleaned.removed_running_lines:
        plan.warnings.append(
            _("已删除重复出现的页眉页脚:%(lines)s") % {"lines": "、".join(cleaned.removed_running_lines)}
        )
    context = _AnalysisContext.build()
    for article in articles:
        if not article.text.strip():
            plan.warnings.append(_("“%(title)s”没有正文,已跳过。") % {"title": article.title})
            continue
        plan.documents.append(_plan_document(article, context=context))
    if not plan.documents:
        raise ImportRefused(_("文件中没有可导入的正文。"))
    _find_duplicates(plan, context=context)
    return plan


@dataclass
class _AnalysisContext:
    segmenter: object
    gazetteer: object
    frequencies: DocumentFrequencies
    theme_keywords: dict[str, list[str]]
    existing: list[tuple[int, str, str, Sketch | None]]  # pk, title, content hash, fingerprint

    @classmethod
    def build(cls) -> _AnalysisContext:
        return cls(
            segmenter=segmentation.segmenter(),
            gazetteer=segmentation.gazetteer(),
            frequencies=segmentation.document_frequencies(),
            theme_keywords={
                slug: keywords
                for slug, keywords in Theme.objects.filter(parent__isnull=False).values_list("slug", "keywords")
                if keywords
            },
            existing=[
                (pk, title, digest, Sketch.from_json(fingerprint))
                for pk, title, digest, fingerprint in SourceDocument.objects.values_list(
                    "pk", "title", "content_hash", "fingerprint"
                ).iterator(chunk_size=1000)
            ],
        )


def _plan_document(article, *, context: _AnalysisContext) -> DocumentPlan:
    text = article.text
    byline = parse_bylines(article.bylines)
    footnote = parse_footnotes(article.paragraphs)
    words = context.segmenter.cut(text)
    mentions = detect_places(words, gazetteer=context.gazetteer)
    outline = parse_outline(text)
    # Our own corpus plus this document's paragraphs make the IDF table.
    frequencies = DocumentFrequencies(context.frequencies.paragraphs, context.frequencies.counts.copy())
    frequencies.add(context.segmenter.cut(p) for p in text.split("\n"))
    document = DocumentPlan(
        title=article.title[:200],
        subtitle=article.subtitle[:200],
        kind=guess_kind(title=article.title, text=text),
        authors=byline.authors,
        organization=byline.organization[:200],
        publisher=footnote.publisher,
        year=byline.year or footnote.year,
        month=byline.month or footnote.month,
        text=text,
        content_hash=content_hash(text),
        outline=outline,
        mentions=mentions,
        places=without_containing_provinces([m.adcode for m in mentions], levels=context.gazetteer.levels),
        drafts=[],
        warnings=list(outline.warnings),
    )
    for proposal in propose_drafts(text=text, outline=outline, title=article.title):
        document.drafts.append(_draft(proposal, text=text, mentions=mentions, context=context, frequencies=frequencies))
    return document


def _draft(proposal: Proposal, *, text, mentions, context, frequencies) -> DraftPlan:
    passage = text[proposal.start : proposal.end]
    inside = [m.adcode for m in mentions if proposal.start <= m.start < proposal.end]
    if not inside and proposal.context_end > proposal.context_start:
        # 苏州工业园区始终坚持… names no place the segmenter can see, but the
        # enclosing heading (一、苏州、昆山的主要做法) does.
        inside = [m.adcode for m in mentions if proposal.context_start <= m.start < proposal.context_end]
    words = context.segmenter.cut(passage)
    return DraftPlan(
        kind=proposal.kind,
        title=proposal.title,
        label=proposal.label,
        body=passage.strip(),
        excerpt=proposal.excerpt,
        section=proposal.node,
        places=without_containing_provinces(inside, levels=context.gazetteer.levels),
        themes=suggest_themes(words, theme_keywords=context.theme_keywords, frequencies=frequencies),
        tags=top_keywords(words, frequencies=frequencies, limit=5),
        audience=proposal.audience,
        children=[
            _draft(child, text=text, mentions=mentions, context=context, frequencies=frequencies)
            for child in proposal.children
        ],
    )


def _find_duplicates(plan: ImportPlan, *, context: _AnalysisContext) -> None:
    """Mark exact and near duplicates, against the base and against earlier articles of the file.

    Sketches narrow the base down to likely duplicates in milliseconds; the
    similarity reported is then computed exactly on the two texts.
    """
    threshold = settings.KBASE_DUPLICATE_THRESHOLD
    by_hash = {digest: (pk, title) for pk, title, digest, _ in context.existing if digest}
    known: list[tuple[int | None, int | None, str, Sketch]] = [
        (pk, None, title, sketch) for pk, title, _, sketch in context.existing if sketch is not None
    ]
    for index, document in enumerate(plan.documents):
        document.sketch = Sketch.of(document.text)
        earlier = next(
            (i for i, d in enumerate(plan.documents[:index]) if d.content_hash == document.content_hash), None
        )
        if document.content_hash in by_hash:
            pk, title = by_hash[document.content_hash]
            document.duplicate = DuplicateInfo(title=title, similarity=1.0, pk=pk, exact=True)
        elif earlier is not None:
            document.duplicate = DuplicateInfo(
                title=plan.documents[earlier].title, similarity=1.0, index=earlier, exact=True
            )
        else:
            document.duplicate = _nearest(document, known=known, plan=plan, threshold=threshold)
        known.append((None, index, document.title, document.sketch))


def _nearest(document: DocumentPlan, *, known, plan: ImportPlan, threshold: float) -> DuplicateInfo | None:
    candidates = [row for row in known if document.sketch.estimate(row[3]) >= threshold - SKETCH_MARGIN]
    if not candidates:
        return None
    mine = shingles(document.text)
    stored = [row[0] for row in candidates if row[0]]
    texts = dict(SourceDocument.objects.filter(pk__in=stored).values_list("pk", "text"))
    best = None
    for pk, index, title, _sketch in candidates:
        text = texts.get(pk, "") if pk else plan.documents[index].text
        score = similarity(mine, shingles(text))
        if score >= threshold and (best is None or score > best.similarity):
            best = DuplicateInfo(title=title, similarity=round(score, 4), pk=pk, index=index)
    return best


def apply_plan(plan: ImportPlan, *, force: bool = False, batch: ImportBatch | None = None) -> ImportResult:
    """Write a plan in one transaction: all its documents, or nothing."""
    if plan.exact_duplicates and not force:
        titles = "、".join(quoted_title(d.title) for d in plan.exact_duplicates)
        raise ImportRefused(
            _("与已有文献完全重复,未导入:%(titles)s。如确需重复导入,请选择强制导入。") % {"titles": titles}
        )
    result = ImportResult(documents=[])
    places = {p.adcode: p for p in Place.objects.filter(adcode__in=_all_adcodes(plan))}
    themes = {t.slug: t for t in Theme.objects.all()}
    with transaction.atomic():
        for document_plan in plan.documents:
            document = _write_document(document_plan, plan=plan, result=result, batch=batch, places=places)
            sections = _write_sections(document, document_plan.outline, result=result)
            for order, draft in enumerate(document_plan.drafts):
                _write_draft(draft, document=document, sections=sections, places=places, themes=themes,
                             parent=None, order=order, result=result)  # fmt: skip
    segmentation.add_to_frequencies(plan)
    return result


def _all_adcodes(plan: ImportPlan) -> set[str]:
    codes = set()
    for document in plan.documents:
        codes.update(m.adcode for m in document.mentions)
    return codes


def _write_document(document_plan: DocumentPlan, *, plan, result, batch, places) -> SourceDocument:
    duplicate = document_plan.duplicate
    original = None
    if duplicate is not None:
        original = (
            SourceDocument.objects.filter(pk=duplicate.pk).first()
            if duplicate.pk
            else result.documents[duplicate.index]
        )
    document = SourceDocument.objects.create(
        title=document_plan.title,
        subtitle=document_plan.subtitle,
        kind=document_plan.kind,
        authors="、".join(document_plan.authors),
        organization=document_plan.organization,
        published_year=document_plan.year,
        published_month=document_plan.month,
        publisher=document_plan.publisher,
        text=document_plan.text,
        content_hash=document_plan.content_hash,
        fingerprint=(document_plan.sketch or Sketch.of(document_plan.text)).to_json(),
        duplicate_of=original,
        similarity=duplicate.similarity if duplicate else None,
        status=Status.DRAFT,
        import_batch=batch,
        original_file=batch.file.name if batch and batch.file else "",
        notes=_("由文件《%(name)s》导入。") % {"name": plan.name},
    )
    document.places.set([places[code] for code in document_plan.places if code in places])
    PlaceMention.objects.bulk_create(
        PlaceMention(document=document, place=places[m.adcode], surface=m.surface, start=m.start, end=m.end)
        for m in document_plan.mentions
        if m.adcode in places
    )
    result.mentions += len(document_plan.mentions)
    result.documents.append(document)
    return document


def _write_sections(document: SourceDocument, outline: Outline, *, result: ImportResult) -> list[Section]:
    sections: list[Section] = []
    siblings: dict[int | None, int] = {}
    for node in outline.nodes:
        order = siblings.get(node.parent, 0)
        siblings[node.parent] = order + 1
        sections.append(
            Section.objects.create(
                document=document,
                parent=sections[node.parent] if node.parent is not None else None,
                order=order,
                label=node.label,
                heading=node.heading[:300],
                start=node.start,
                end=node.end,
            )
        )
    result.sections += len(sections)
    return sections


def _write_draft(draft: DraftPlan, *, document, sections, places, themes, parent, order, result) -> None:
    common = {
        "title": draft.title[:200],
        "body": draft.body,
        "document": document,
        "section": sections[draft.section] if draft.section is not None and draft.section < len(sections) else None,
        "excerpt": draft.excerpt,
        "status": Status.DRAFT,
    }
    if draft.kind == "practice":
        lesson = Practice.objects.create(**common)
        result.practices += 1
    else:
        lesson = Recommendation.objects.create(
            **common, parent=parent, order=order, label=draft.label, audience=draft.audience[:100]
        )
        result.recommendations += 1
    lesson.places.set([places[code] for code in draft.places if code in places])
    lesson.themes.set([themes[slug] for slug in draft.themes if slug in themes])
    if draft.tags:
        lesson.tags.set(draft.tags)
    for child_order, child in enumerate(draft.children):
        _write_draft(child, document=document, sections=sections, places=places, themes=themes,
                     parent=lesson, order=child_order, result=result)  # fmt: skip


def import_file(
    *, name: str, data: bytes, dry_run: bool = False, force: bool = False
) -> tuple[ImportPlan, ImportResult | None]:
    """Plan, and unless ``dry_run``, apply: the entry point of the command."""
    plan = plan_import(name=name, data=data)
    if dry_run:
        if plan.exact_duplicates and not force:
            raise ImportRefused(
                _("与已有文献完全重复:%(titles)s。") % {"titles": "、".join(d.title for d in plan.exact_duplicates)}
            )
        return plan, None
    return plan, apply_plan(plan, force=force)
