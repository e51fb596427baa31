"""File → cleaned text → documents, outline, place mentions and draft lessons.

:func:`plan_import` does all the reading and analysis and writes nothing: the
admin preview and ``import_documents --dry-run`` show exactly the plan that
:func:`apply_plan` then writes, in one transaction (see ``import_writer``).
Everything imported is a draft for a curator to review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from jobs import pool

from . import segmentation
from .duplicates import DuplicateInfo, find_duplicates, stored_documents
from .models import ImportBatch, SourceDocument, Theme
from .readers import UnreadableFile, read_document
from .text.clean import clean_text
from .text.drafts import Proposal, propose_drafts
from .text.fingerprint import Sketch, content_hash
from .text.keywords import DocumentFrequencies, keyword_test, suggest_themes, top_keywords
from .text.metadata import guess_kind, parse_bylines, parse_date, parse_footnotes
from .text.outline import Outline, parse_outline
from .text.places import Gazetteer, Mention, detect_places, without_containing_provinces
from .text.segment import Words, dictionary_tags
from .text.split import Article, split_articles


def quoted_title(title: str) -> str:
    return title if title.startswith("《") else f"《{title}》"


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
    drafts: list[DraftPlan] = field(default_factory=list)
    duplicate: DuplicateInfo | None = None
    warnings: list[str] = field(default_factory=list)
    sketch: Sketch | None = None
    term_frequencies: DocumentFrequencies = field(default_factory=DocumentFrequencies)

    @property
    def draft_count(self) -> int:
        return sum(1 + len(d.children) for d in self.drafts)

    @property
    def kind_display(self) -> str:
        return SourceDocument.Kind(self.kind).label


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

    @property
    def new_documents(self) -> list[DocumentPlan]:
        """What is written without ``force``: everything but exact repeats (of the base or of this file)."""
        return [d for d in self.documents if not (d.duplicate and d.duplicate.exact)]

    def to_write(self, *, force: bool) -> list[DocumentPlan]:
        return list(self.documents) if force else self.new_documents


@dataclass
class ImportResult:
    documents: list[SourceDocument]
    sections: int = 0
    practices: int = 0
    recommendations: int = 0
    mentions: int = 0
    skipped: list[str] = field(default_factory=list)  # why each exact repeat was left out


def twin_of(document: DocumentPlan) -> str:
    """Where an exact repeat's twin is, as the preview and the refusal name it."""
    duplicate = document.duplicate
    if duplicate.pk is not None:
        return _("已有文献%(title)s（编号 %(pk)d）") % {"title": quoted_title(duplicate.title), "pk": duplicate.pk}
    return _("本文件中的%(title)s") % {"title": quoted_title(duplicate.title)}


def _repeat_warning(document: DocumentPlan) -> str:
    return _("%(title)s与%(twin)s完全相同，不再重复导入。") % {
        "title": quoted_title(document.title),
        "twin": twin_of(document),
    }


@dataclass
class _Context:
    segmenter: object
    gazetteer: Gazetteer
    frequencies: DocumentFrequencies  # the base's IDF table plus the documents planned so far
    theme_keywords: dict[str, list[str]]
    # Which words can be keywords: by the segmenter dictionary's part-of-speech tags, and the theme
    # keywords whatever the dictionary says; remembered per word.
    keyword: Callable[[str], bool]

    @classmethod
    def build(cls) -> _Context:
        themes = Theme.objects.filter(parent__isnull=False).values_list("slug", "keywords")
        known = frozenset(k for _, keywords in themes for k in keywords or ())
        return cls(
            segmenter=segmentation.segmenter(),
            gazetteer=segmentation.gazetteer(),
            frequencies=segmentation.document_frequencies().copy(),
            theme_keywords={slug: keywords for slug, keywords in themes if keywords},
            keyword=keyword_test(tags=dictionary_tags(), known=known),
        )


Progress = Callable[[int, str], None]


def warm_up() -> None:
    """Load what every analysis reads and a job worker keeps between imports.

    jieba's dictionary with our words, the base's IDF table and the base's
    sketches for the duplicate check: seconds on a large base, paid once by
    the supervising worker, whose forked jobs inherit them.
    """
    segmentation.segmenter()
    segmentation.document_frequencies()
    stored_documents()


def plan_import(*, name: str, data: bytes, progress: Progress | None = None) -> ImportPlan:
    """Read and analyse a file; raise ImportRefused if it cannot be imported. Writes nothing.

    ``progress(percent, step)`` is told how far the analysis is (the job's progress bar).
    """
    report = progress or (lambda percent, step: None)
    report(2, _("读取文件"))
    try:
        read = read_document(
            name=name,
            data=data,
            max_bytes=settings.KBASE_IMPORT_MAX_BYTES,
            max_xml_bytes=settings.KBASE_DOCX_MAX_XML_MB * 2**20,
        )
    except UnreadableFile as error:
        raise ImportRefused(str(error)) from error
    report(10, _("清理文字"))
    cleaned = clean_text(read.text)
    plan = ImportPlan(name=name, size=len(data), encoding=read.encoding, documents=[])
    if cleaned.removed_page_numbers:
        plan.warnings.append(_("已删除混入正文的页码 %(n)d 处。") % {"n": len(cleaned.removed_page_numbers)})
    if cleaned.punctuation_fixed:
        plan.warnings.append(
            _("已将中文之间的半角标点改为全角 %(n)d 处（如“,”改为“，”）。") % {"n": cleaned.punctuation_fixed}
        )
    running = sorted({*read.removed_page_edges, *cleaned.removed_running_lines})
    if running:
        plan.warnings.append(_("已删除重复出现的页眉页脚：%(lines)s") % {"lines": "、".join(running)})
    report(15, _("分篇"))
    articles = []
    for article in split_articles(cleaned.text, fallback_title=PurePath(name).stem):
        if article.text.strip():
            articles.append(article)
        else:
            plan.warnings.append(_("“%(title)s”没有正文，已跳过。") % {"title": article.title})
    plan.documents = _analyse(articles, context=_Context.build(), report=report)
    if not plan.documents:
        raise ImportRefused(_("文件中没有可导入的正文。"))
    report(92, _("查找重复文献"))
    find_duplicates(plan.documents, known=stored_documents(), threshold=settings.KBASE_DUPLICATE_THRESHOLD)
    for document in plan.exact_duplicates:
        document.warnings.append(_repeat_warning(document))
    return plan


# Articles are analysed in two passes: first each document on its own, then, once the IDF table
# counts every document of the file (as the base will after the import, and whatever the order
# the documents are finished in), its drafts with their themes and keywords. Each pass is spread
# over the cores (jobs.pool) for a file of PARALLEL_FROM characters or more; below that, starting
# the workers, and their first touches of the dictionaries they share with this process, cost
# more than they save (docs/performance.md, Imports).
PARALLEL_FROM = 1_000_000


def _analyse(articles: list[Article], *, context: _Context, report: Progress) -> list[DocumentPlan]:
    total = sum(len(article.text) for article in articles)
    workers = pool.cores() if total >= PARALLEL_FROM else 1
    documents = []
    # In one process, each document's words are kept for its drafts; workers would have to send them back.
    kept: dict[int, Words] | None = {} if workers == 1 else None
    analysed = pool.map_inherited(
        lambda article: _plan_document(article, context=context, keep=kept), articles, workers=workers
    )
    for index, document in enumerate(analysed):
        documents.append(document)
        report(20 + 35 * index // len(articles), _("分析“%(title)s”") % {"title": document.title[:40]})
    for document in documents:
        context.frequencies.merge(document.term_frequencies)
    drafted = pool.map_inherited(
        lambda document: _drafts(document, context=context, words=kept.pop(id(document), None) if kept else None),
        documents,
        workers=workers,
    )
    for index, drafts in enumerate(drafted):
        documents[index].drafts = drafts
        report(55 + 35 * index // len(documents), _("分析“%(title)s”") % {"title": documents[index].title[:40]})
    return documents


def _drafts(document: DocumentPlan, *, context: _Context, words: Words | None = None) -> list[DraftPlan]:
    if words is None:  # in a worker: cut again, cheaper than sending the words between processes
        words = Words(context.segmenter.cut(document.text))
    return [
        _draft(proposal, text=document.text, words=words, mentions=document.mentions, context=context)
        for proposal in propose_drafts(text=document.text, outline=document.outline, title=document.title)
    ]


def _plan_document(article: Article, *, context: _Context, keep: dict | None = None) -> DocumentPlan:
    """A document without its drafts: its metadata, outline, places and word frequencies.

    ``keep``: where to leave its words for its drafts (by the document's id), in one process.
    """
    text = article.text
    byline = parse_bylines(article.bylines)
    footnote = parse_footnotes(article.paragraphs)
    dated = next((parse_date(line) for line in article.dates if parse_date(line)[0]), (None, None))
    words = Words(context.segmenter.cut(text))
    mentions = detect_places(words.words, gazetteer=context.gazetteer)
    outline = parse_outline(text)
    document = DocumentPlan(
        title=article.title[:200],
        subtitle=article.subtitle[:200],
        kind=guess_kind(title=article.title, text=text),
        authors=byline.authors,
        organization=byline.organization[:200],
        publisher=footnote.publisher,
        year=dated[0] or byline.year or footnote.year,
        month=dated[1] if dated[0] else byline.month or footnote.month,
        text=text,
        content_hash=content_hash(text),
        sketch=Sketch.of(text),  # for find_duplicates, made here where the analysis is spread over the cores
        outline=outline,
        mentions=mentions,
        places=without_containing_provinces(
            [m.adcode for m in mentions if not m.address], levels=context.gazetteer.levels
        ),
        warnings=list(outline.warnings),
    )
    document.term_frequencies.add(words.paragraphs())
    if keep is not None:
        keep[id(document)] = words
    return document


def _draft(proposal: Proposal, *, text: str, words: Words, mentions: list[Mention], context: _Context) -> DraftPlan:
    inside = [m.adcode for m in mentions if proposal.start <= m.start < proposal.end and not m.address]
    if not inside and proposal.context_end > proposal.context_start:
        # 苏州工业园区始终坚持… names no place the segmenter can see, but the
        # enclosing heading (一、苏州、昆山的主要做法) does.
        inside = [
            m.adcode for m in mentions if proposal.context_start <= m.start < proposal.context_end and not m.address
        ]
    passage_words = Counter(words.between(proposal.start, proposal.end))
    return DraftPlan(
        kind=proposal.kind,
        title=proposal.title,
        label=proposal.label,
        body=text[proposal.start : proposal.end].strip(),
        excerpt=proposal.excerpt,
        section=proposal.node,
        places=without_containing_provinces(inside, levels=context.gazetteer.levels),
        themes=suggest_themes(passage_words, theme_keywords=context.theme_keywords, frequencies=context.frequencies),
        tags=top_keywords(passage_words, frequencies=context.frequencies, limit=5, test=context.keyword),
        audience=proposal.audience,
        children=[
            _draft(child, text=text, words=words, mentions=mentions, context=context) for child in proposal.children
        ],
    )


def apply_plan(
    plan: ImportPlan,
    *,
    force: bool = False,
    batch: ImportBatch | None = None,
    user=None,
    progress: Progress | None = None,
) -> ImportResult:
    """Write a plan in one transaction: all its documents, or nothing."""
    from .import_writer import write_plan

    if not plan.new_documents and not force:
        raise ImportRefused(_all_repeated(plan))
    chosen = plan.to_write(force=force)
    if not force:
        # A preview may be hours old: the same text may have been imported since.
        since = _imported_since(chosen)
        if since:
            titles = "、".join(quoted_title(d.title) for d in since)
            raise ImportRefused(
                _("预览之后，相同的文献已被导入，未导入：%(titles)s。如确需重复导入，请选择强制导入。")
                % {"titles": titles}
            )
    result = write_plan(plan, documents=chosen, batch=batch, user=user, progress=progress)
    result.skipped = [_repeat_warning(d) for d in plan.documents if d not in chosen]
    segmentation.add_to_frequencies([d.term_frequencies for d in chosen])
    return result


def _all_repeated(plan: ImportPlan) -> str:
    twins = "；".join(f"{quoted_title(d.title)}：{twin_of(d)}" for d in plan.exact_duplicates)
    return _("文件中的文献都已在库中，未导入（%(twins)s）。如确需重复导入，请选择强制导入。") % {"twins": twins}


def _imported_since(documents: list[DocumentPlan]) -> list[DocumentPlan]:
    hashes = {d.content_hash for d in documents if not (d.duplicate and d.duplicate.exact)}
    stored = set(SourceDocument.objects.filter(content_hash__in=hashes).values_list("content_hash", flat=True))
    return [d for d in documents if d.content_hash in stored and not (d.duplicate and d.duplicate.exact)]


def import_file(
    *, name: str, data: bytes, dry_run: bool = False, force: bool = False
) -> tuple[ImportPlan, ImportResult | None]:
    """Plan, and unless ``dry_run``, apply: the entry point of the command."""
    plan = plan_import(name=name, data=data)
    if dry_run:
        if not plan.new_documents and not force:
            raise ImportRefused(_all_repeated(plan))
        return plan, None
    return plan, apply_plan(plan, force=force)
