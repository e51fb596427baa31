"""Writing an import plan to the database: one transaction, a few dozen queries.

Rows are created kind by kind for all the documents of a file at once
(documents, then sections level by level, then lessons level by level) from
plain values (``bulk.create_rows``); links, place mentions and tags follow as multi-row inserts.
The query count does not grow with the number of documents or drafts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag, TaggedItem

from . import content
from .bulk import create_rows, insert_rows
from .models import ImportBatch, Place, PlaceMention, Practice, Recommendation, Section, SourceDocument, Status, Theme

if TYPE_CHECKING:
    from .importing import DocumentPlan, DraftPlan, ImportPlan, ImportResult

LESSON_FIELDS = ["title", "body", "document", "section", "excerpt", "status"]


def write_plan(
    plan: ImportPlan,
    *,
    documents: list[DocumentPlan] | None = None,
    batch: ImportBatch | None = None,
    user=None,
    progress: Callable[[int, str], None] | None = None,
) -> ImportResult:
    """Everything in one transaction; a batch is marked imported inside it, so it can never be written twice.

    ``documents``: the plan's documents to write (default all); the importer leaves exact repeats out.
    """
    from .importing import ImportResult

    report = progress or (lambda percent, step: None)
    with content.writing(user=user, comment=_import_comment(plan, batch=batch, user=user)) as work:
        if batch is not None:
            _mark_imported(batch, user=user)
        writer = _Writer(plan, batch=batch, chosen=plan.documents if documents is None else documents)
        report(5, _("写入文献"))
        documents = writer.documents()
        report(15, _("写入章节"))
        sections = writer.sections(documents)
        report(30, _("写入经验做法和启示建议"))
        practices, recommendations = writer.lessons(documents, sections)
        report(45, _("写入地区、主题和关键词"))
        writer.flush()
        # Everything is new: the unit adds its share to the counts, indexes it and records it in history.
        report(60, _("更新搜索索引、统计数量和修改记录"))
        work.created(SourceDocument, [d.pk for d in documents])
        work.created(Section, [pk for outline in sections for pk in outline])
        for model, ids in writer.created.items():
            work.created(model, ids)
    return ImportResult(
        documents=documents,
        sections=sum(len(s) for s in sections),
        practices=practices,
        recommendations=recommendations,
        mentions=sum(len(d.mentions) for d in writer.chosen),
    )


def _import_comment(plan: ImportPlan, *, batch: ImportBatch | None, user) -> str:
    """History's note on an import: the batch, who uploaded it and who confirmed it."""
    if batch is None:
        return _("导入文件《%(name)s》") % {"name": plan.name}
    uploader = batch.uploaded_by.get_username() if batch.uploaded_by_id else _("未知")
    confirmer = user.get_username() if getattr(user, "pk", None) else _("系统")
    return _("导入批次 #%(batch)d《%(name)s》：上传人 %(uploader)s，确认人 %(confirmer)s") % {
        "batch": batch.pk,
        "name": batch.original_name,
        "uploader": uploader,
        "confirmer": confirmer,
    }


def _mark_imported(batch: ImportBatch, *, user) -> None:
    """Take the batch from pending (or writing, in a job) to imported; refuse if another write got there first.

    The UPDATE locks the batch's row until this transaction ends: a second
    confirmation waits, then finds it imported.
    """
    fields = {"state": ImportBatch.State.IMPORTED, "finished_at": timezone.now()}
    if user is not None:
        fields |= {"confirmed_by": user, "confirmed_at": timezone.now()}
    taken = ImportBatch.objects.filter(
        pk=batch.pk, state__in=[ImportBatch.State.PENDING, ImportBatch.State.WRITING]
    ).update(**fields)
    if not taken:
        from .importing import ImportRefused

        raise ImportRefused(_("这个文件已经导入或已取消，不能再次导入。"))
    batch.state = ImportBatch.State.IMPORTED


class _Writer:
    def __init__(self, plan: ImportPlan, *, batch: ImportBatch | None, chosen: list[DocumentPlan]):
        codes = {m.adcode for d in chosen for m in d.mentions}
        self.plan = plan
        self.chosen = chosen
        self.batch = batch
        self.places = {p.adcode: p.pk for p in Place.objects.filter(adcode__in=codes)}
        self.themes = {t.slug: t.pk for t in Theme.objects.all()}
        self.links: dict[tuple[type, str, str], set] = defaultdict(set)  # (through, field, field) → id pairs
        self.mentions: list[tuple[int, int, str, int, int]] = []
        self.tags: list[tuple[int, int, list[str]]] = []  # content type, object id, names
        self.created: dict[type, list[int]] = defaultdict(list)  # lessons written, by model

    def documents(self) -> list[SourceDocument]:
        documents = [self._document(p) for p in self.chosen]
        SourceDocument.objects.bulk_create(documents)
        written = {id(p): d for p, d in zip(self.chosen, documents, strict=True)}
        # A document may duplicate an earlier one of the same file: link it now that both have ids.
        later = []
        for document, plan in zip(documents, self.chosen, strict=True):
            twin = self._twin_in_file(plan, written)
            if twin is not None:
                document.duplicate_of = twin
                later.append(document)
            key = (SourceDocument.places.through, "sourcedocument", "place")
            self.links[key].update((document.pk, self.places[c]) for c in plan.places if c in self.places)
            self.mentions += [
                (document.pk, self.places[m.adcode], m.surface[:50], m.start, m.end)
                for m in plan.mentions
                if m.adcode in self.places
            ]
        SourceDocument.objects.bulk_update(later, ["duplicate_of"])
        return documents

    def _twin_in_file(self, plan: DocumentPlan, written: dict) -> SourceDocument | None:
        """The written document an earlier article of this file stands for (a repeat left out stands for its twin)."""
        seen = set()
        while plan.duplicate is not None and plan.duplicate.pk is None and plan.duplicate.index not in seen:
            seen.add(plan.duplicate.index)
            plan = self.plan.documents[plan.duplicate.index]
            if id(plan) in written:
                return written[id(plan)]
        return None

    def _document(self, plan: DocumentPlan) -> SourceDocument:
        duplicate = plan.duplicate
        return SourceDocument(
            title=plan.title,
            subtitle=plan.subtitle,
            kind=plan.kind,
            authors="、".join(plan.authors),
            organization=plan.organization,
            published_year=plan.year,
            published_month=plan.month,
            publisher=plan.publisher,
            text=plan.text,
            content_hash=plan.content_hash,
            fingerprint=plan.sketch.to_json() if plan.sketch else {},
            duplicate_of_id=duplicate.pk if duplicate else None,  # an earlier article of the file: linked later
            similarity=duplicate.similarity if duplicate else None,
            status=Status.DRAFT,
            import_batch=self.batch,
            original_file=self.batch.file.name if self.batch and self.batch.file else "",
            notes=_("由文件《%(name)s》导入。") % {"name": self.plan.name},
        )

    def sections(self, documents: list[SourceDocument]) -> list[list[int]]:
        """Each document's section ids, in outline order; parents are inserted before their children."""
        result, pending = [], defaultdict(list)
        for document, plan in zip(documents, self.chosen, strict=True):
            ids: list[int | None] = [None] * len(plan.outline.nodes)
            siblings: dict[int | None, int] = defaultdict(int)
            for index, node in enumerate(plan.outline.nodes):
                pending[node.depth].append((ids, index, node, document.pk, siblings[node.parent]))
                siblings[node.parent] += 1
            result.append(ids)
        for depth in sorted(pending):
            level = pending[depth]
            rows = [
                (pk, ids[node.parent] if node.parent is not None else None, order, node.label, node.heading[:300],
                 node.start, node.end)
                for ids, _index, node, pk, order in level
            ]  # fmt: skip
            created = create_rows(Section, ["document", "parent", "order", "label", "heading", "start", "end"], rows)
            for (ids, index, *_rest), pk in zip(level, created, strict=True):
                ids[index] = pk
        return result

    def lessons(self, documents: list[SourceDocument], sections: list[list[int]]) -> tuple[int, int]:
        practices, level = [], []
        for document, plan, outline in zip(documents, self.chosen, sections, strict=True):
            for order, draft in enumerate(plan.drafts):
                if draft.kind == "practice":
                    practices.append((draft, self._lesson(draft, document, outline)))
                else:
                    level.append((draft, document, outline, None, order))
        created = create_rows(Practice, LESSON_FIELDS, [row for _, row in practices])
        for (draft, _row), pk in zip(practices, created, strict=True):
            self._link(Practice, pk, draft)
        recommendations = 0
        while level:  # recommendations level by level: sub-points need their parent's id
            rows = [
                (*self._lesson(draft, document, outline), parent, order, draft.label[:20], draft.audience[:100])
                for draft, document, outline, parent, order in level
            ]
            created = create_rows(Recommendation, [*LESSON_FIELDS, "parent", "order", "label", "audience"], rows)
            for (draft, *_rest), pk in zip(level, created, strict=True):
                self._link(Recommendation, pk, draft)
            recommendations += len(rows)
            level = [
                (child, document, outline, pk, order)
                for (draft, document, outline, _parent, _order), pk in zip(level, created, strict=True)
                for order, child in enumerate(draft.children)
            ]
        return len(practices), recommendations

    @staticmethod
    def _lesson(draft: DraftPlan, document: SourceDocument, outline: list[int]) -> tuple:
        """A lesson's LESSON_FIELDS."""
        section = outline[draft.section] if draft.section is not None and draft.section < len(outline) else None
        return (draft.title[:200], draft.body, document.pk, section, draft.excerpt, Status.DRAFT)

    def _link(self, model, pk: int, draft: DraftPlan) -> None:
        self.created[model].append(pk)
        name = model._meta.model_name
        self.links[(model.places.through, name, "place")].update(
            (pk, self.places[c]) for c in draft.places if c in self.places
        )
        self.links[(model.themes.through, name, "theme")].update(
            (pk, self.themes[s]) for s in draft.themes if s in self.themes
        )
        if draft.tags:
            self.tags.append((ContentType.objects.get_for_model(model).pk, pk, draft.tags))

    def flush(self) -> None:
        for (through, first, second), pairs in self.links.items():
            insert_rows(through, [first, second], sorted(pairs))
        insert_rows(PlaceMention, ["document", "place", "surface", "start", "end"], self.mentions)
        tags = self._tags({name for _, _, names in self.tags for name in names})
        rows = {(content_type, pk, tags[name.lower()].pk) for content_type, pk, names in self.tags for name in names}
        insert_rows(TaggedItem, ["content_type", "object_id", "tag"], sorted(rows))

    @staticmethod
    def _tags(names: set[str]) -> dict[str, Tag]:
        """Existing tags by lower-cased name, creating the missing ones with unique slugs."""
        tags = {tag.name.lower(): tag for tag in Tag.objects.filter(name__in=names)}
        missing = sorted({name for name in names if name.lower() not in tags}, key=str.lower)
        slugs = {name: Tag().slugify(name)[:90] for name in missing}
        taken = set(Tag.objects.filter(slug__in=slugs.values()).values_list("slug", flat=True))
        new = []
        for name in missing:
            if name.lower() in tags:
                continue  # 'TCL' and 'tcl' are one tag
            slug, suffix = slugs[name], 1
            while slug in taken:
                slug, suffix = f"{slugs[name]}_{suffix}", suffix + 1
            taken.add(slug)
            tags[name.lower()] = Tag(name=name, slug=slug)
            new.append(tags[name.lower()])
        Tag.objects.bulk_create(new)
        return tags
