"""The one write path for content: every writer says what it changes, and the rest follows once.

Documents, sections, lessons, places, aliases and themes are written by the
admin, the workflow's transitions, the importer, the seeder, history's
restore and management commands. Each opens a unit of work and reports, next
to its own ORM writes, what it is about to change, what it created and what
it is about to delete::

    with content.writing(user=request.user, comment="编辑") as work:
        work.changing(practice)          # before the write: counts are measured
        practice.save()
        practice.themes.set(themes)
        work.created(new_section)        # after a create

When the outermost unit ends, inside its transaction and once for the whole
unit, the search index is brought in step, the maintained counts are adjusted
by the difference the unit made (or rebuilt, for large units), and history
records a revision with its user and comment. On commit, cached page values
move to a new content version and, if places or themes changed, the gazetteer
is reloaded.

No signal handler does any of this. ``guard`` (connected in apps.py) only
checks that saves and deletes of content models happen inside a unit and
were reported; it raises with ``KBASE_WRITE_GUARD = "raise"`` (the tests) and
logs otherwise.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction

from . import counting, history, search, segmentation
from .caching import version_changed
from .lessons import KINDS, is_lesson, kind_of
from .models import Lesson, Place, PlaceAlias, Recommendation, SearchEntry, Section, SourceDocument, Theme

logger = logging.getLogger(__name__)

# Past this many existing lessons measured before a change, the counts are rebuilt instead of adjusted.
MEASURE_LIMIT = 5000
CHUNK = 2000
TAXONOMY = (Place, PlaceAlias, Theme)
_state = threading.local()


class Conflict(Exception):
    """The object was saved by someone else since the form was loaded (its version moved on)."""

    def __init__(self, obj, *, loaded: int, current: int):
        super().__init__(f"{type(obj).__name__} #{obj.pk}: loaded at version {loaded}, now {current}")
        self.obj, self.loaded, self.current = obj, loaded, current


class UnreportedWrite(RuntimeError):
    """A content model was saved or deleted outside ``content.writing``, or without being reported."""


@dataclass
class Work:
    """What one unit of work changed, collected as it goes and acted on once at its end."""

    user: object = None
    comment: str = ""
    recount: bool = False
    keep_history: bool = True
    # Lessons and documents whose share of the counts was measured before they changed (or that are new).
    measured: dict[type, set[int]] = field(default_factory=lambda: defaultdict(set))
    before: Counter = field(default_factory=Counter)
    parents: dict[int, int | None] = field(default_factory=dict)  # recommendations' points when first measured
    documents: set[int] = field(default_factory=set)  # whose sections (and so visibility) are reindexed
    lessons: dict[type, set[int]] = field(default_factory=lambda: defaultdict(set))
    deleted: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    taxonomy: dict[tuple[type, int], object] = field(default_factory=dict)  # place/theme → its count key before
    taxonomy_changed: bool = False
    recorded: dict[type, set[int]] = field(default_factory=lambda: defaultdict(set))  # for history
    new: dict[type, set[int]] = field(default_factory=lambda: defaultdict(set))  # created in this unit
    removed: list = field(default_factory=list)  # versions of deleted objects, as they were
    seen: set[tuple[type, int]] = field(default_factory=set)  # saves the guard saw

    # --- what writers report ------------------------------------------------------------------

    def changing(self, obj_or_model, ids: Iterable[int] | None = None) -> None:
        """Before writing to existing rows: their share of the counts is measured now."""
        model, ids = _model_and_ids(obj_or_model, ids)
        if model is SourceDocument:
            self._measure_documents(ids)
            self.documents.update(ids)
        elif is_lesson(model):
            self._measure_lessons(model, ids)
            self.lessons[model].update(ids)
        elif model is Section:
            self.documents.update(Section.objects.filter(pk__in=ids).values_list("document_id", flat=True))
        elif model in TAXONOMY:
            self._remember_taxonomy(model, ids)
        self.recorded[model].update(ids)

    def created(self, obj_or_model, ids: Iterable[int] | None = None) -> None:
        """After creating rows (their links may follow within the unit)."""
        model, ids = _model_and_ids(obj_or_model, ids)
        if model is SourceDocument:
            self.measured[model].update(ids)
            self.documents.update(ids)
        elif model is Recommendation:
            self._measure_new_points(ids)
            self.lessons[model].update(ids)
        elif is_lesson(model):
            self.measured[model].update(ids)
            self.lessons[model].update(ids)
        elif model is Section:
            if isinstance(obj_or_model, Section):
                self.documents.add(obj_or_model.document_id)
            else:
                self.documents.update(Section.objects.filter(pk__in=ids).values_list("document_id", flat=True))
        elif model in TAXONOMY:
            self.taxonomy_changed = True
        self.recorded[model].update(ids)
        self.new[model].update(ids)

    def deleting(self, obj_or_model, ids: Iterable[int] | None = None) -> None:
        """Before deleting rows: their share of the counts goes, and so do their index entries."""
        model, ids = _model_and_ids(obj_or_model, ids)
        if model is SourceDocument:
            self._measure_documents(ids)
            sections = Section.objects.filter(document_id__in=ids).values_list("pk", flat=True)
            self.deleted[SearchEntry.Kind.SECTION].update(sections)
        elif is_lesson(model):
            self._measure_lessons(model, ids)
            self.deleted[kind_of(model).key].update(ids)
            self.lessons[model].difference_update(ids)
        elif model is Section:
            self.deleted[SearchEntry.Kind.SECTION].update(ids)
            self.documents.update(Section.objects.filter(pk__in=ids).values_list("document_id", flat=True))
        elif model in TAXONOMY:
            self.taxonomy_changed = True
            self.recount |= model is not PlaceAlias  # their links go without a trace
        if self.keep_history:
            self.removed.extend(history.snapshot(model, ids))
        self.recorded[model].difference_update(ids)

    def rebuild_counts(self) -> None:
        """Recount at the end instead of adjusting (bulk loads: the seeder, benchmarks)."""
        self.recount = True

    # --- measuring ----------------------------------------------------------------------------

    def _measure_lessons(self, model, ids: list[int]) -> None:
        if model is Recommendation:
            # Counted by top-level point (experiences.counting): measure each point with its sub-points.
            rows = Recommendation.objects.filter(pk__in=ids).values_list("pk", "parent_id")
            for pk, parent in rows:
                self.parents.setdefault(pk, parent)
            ids = sorted({parent or pk for pk, parent in rows})
        new = [pk for pk in ids if pk not in self.measured[model]]
        self.measured[model].update(new)
        if not self.recount and new:
            if sum(len(s) for s in self.measured.values()) > MEASURE_LIMIT:
                self.recount = True
            else:
                self.before.update(counting.contributions(model, new))

    def _measure_new_points(self, ids: list[int]) -> None:
        """New recommendations: the points they belong to, measured as they were without them."""
        rows = list(Recommendation.objects.filter(pk__in=ids).values_list("pk", "parent_id"))
        self.parents.update({pk: parent for pk, parent in rows})
        roots = {parent or pk for pk, parent in rows}
        new = sorted(roots - self.measured[Recommendation])
        self.measured[Recommendation].update(new)
        if not self.recount and new:
            self.before.update(counting.contributions(Recommendation, new, exclude=ids))

    def _measure_documents(self, ids: list[int]) -> None:
        new = [pk for pk in ids if pk not in self.measured[SourceDocument]]
        self.measured[SourceDocument].update(new)
        # A document's status decides its lessons' visibility: they are measured with it.
        for kind in KINDS:
            lessons = kind.model.objects.filter(document_id__in=new).values_list("pk", flat=True)
            self._measure_lessons(kind.model, list(lessons))
        if not self.recount and new:
            self.before.update(counting.document_totals(new))

    def _remember_taxonomy(self, model, ids: list[int]) -> None:
        self.taxonomy_changed = True
        if model is PlaceAlias:
            return
        column = "adcode" if model is Place else "parent_id"
        for pk, value in model.objects.filter(pk__in=ids).values_list("pk", column):
            self.taxonomy.setdefault((model, pk), value)

    # --- the end of the unit ------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        """Nothing was reported: a page that only read (an admin form shown, a list browsed)."""
        return not (any(self.recorded.values()) or self.removed or any(self.deleted.values()) or self.recount)

    def finish(self) -> None:
        self._check_reported()
        if self.empty:
            return
        self._index()
        self._count()
        if self.keep_history:
            history.record(changed=self.recorded, removed=self.removed, user=self.user, comment=self.comment)
        # Now for this thread's next reads in the same transaction, and again on commit (after_commit):
        # a worker that cached a value between the two computed it from the data before the commit.
        version_changed()

    def _index(self) -> None:
        for kind, ids in self.deleted.items():
            search.remove(kind, ids)
        if self.documents:
            search.index_documents(sorted(self.documents))
        # Lessons of reindexed documents are already done.
        done = {
            kind.model: set(kind.model.objects.filter(document_id__in=self.documents).values_list("pk", flat=True))
            if self.documents
            else set()
            for kind in KINDS
        }
        todo = {kind.plural: sorted(self.lessons[kind.model] - done[kind.model]) for kind in KINDS}
        if any(todo.values()):
            search.index(**todo)

    def _count(self) -> None:
        moved = any(
            (model.objects.filter(pk=pk).values_list("adcode" if model is Place else "parent_id", flat=True).first())
            != value
            for (model, pk), value in self.taxonomy.items()
        )
        # A sub-point moved to another point changes two families, only one of them measured.
        if not (self.recount or moved):
            pks = sorted(self.parents)
            moved = any(
                parent != self.parents[pk]
                for start in range(0, len(pks), CHUNK)
                for pk, parent in Recommendation.objects.filter(pk__in=pks[start : start + CHUNK]).values_list(
                    "pk", "parent_id"
                )
            )
        if self.recount or moved:
            counting.rebuild()
            return
        after: Counter = Counter()
        for model, ids in self.measured.items():
            ids = sorted(ids)
            for start in range(0, len(ids), CHUNK):  # within SQLite's limit of query parameters
                chunk = ids[start : start + CHUNK]
                after.update(
                    counting.document_totals(chunk) if model is SourceDocument else counting.contributions(model, chunk)
                )
        after.subtract(self.before)
        counting.apply(after)

    def _check_reported(self) -> None:
        unreported = {
            (model, pk) for model, pk in self.seen if pk not in self.recorded[model] and model in GUARDED_SAVES
        }
        if unreported:
            _complain(
                f"saved without content.writing reporting them: {sorted((m.__name__, pk) for m, pk in unreported)}"
            )

    def after_commit(self) -> None:
        version_changed()
        if self.taxonomy_changed:
            segmentation.taxonomy_changed()


def _model_and_ids(obj_or_model, ids) -> tuple[type, list[int]]:
    if isinstance(obj_or_model, models.Model):
        return type(obj_or_model), [obj_or_model.pk]
    return obj_or_model, list(ids or [])


def current() -> Work | None:
    """The unit of work open in this thread, if any."""
    return getattr(_state, "work", None)


@contextmanager
def writing(*, user=None, comment: str = "", history: bool = True) -> Iterator[Work]:
    """Open a unit of work (or join the one already open in this thread) in one transaction.

    ``history=False`` only for synthetic bulk loads (the benchmarks' bases).
    """
    outer = current()
    if outer is not None:
        with transaction.atomic():
            if comment and not outer.comment:
                outer.comment = comment
            yield outer
        return
    work = Work(user=user if getattr(user, "pk", None) else None, comment=comment, keep_history=history)
    _state.work = work
    try:
        with transaction.atomic():
            yield work
            work.finish()
            if not work.empty:
                transaction.on_commit(work.after_commit)
    finally:
        _state.work = None


# --- the single-object conveniences the admin and the workflow use ---------------------------------


def save(
    obj: models.Model,
    *,
    user=None,
    comment: str = "",
    fields: list[str] | None = None,
    expected_version: int | None = None,
) -> None:
    """Save one object (new or existing) through a unit of work.

    A versioned object's row is locked and its version compared with
    ``expected_version`` (the one its edit form was loaded at): a newer one
    raises Conflict and nothing is written. The version then moves on by one.
    """
    with writing(user=user, comment=comment) as work:
        new = obj.pk is None or obj._state.adding
        if not new:
            _next_version(obj, expected_version)
            if fields is not None and hasattr(obj, "version"):
                fields = [*fields, "version"]
            work.changing(obj)
        obj.save(update_fields=fields)
        if new:
            work.created(obj)


def _next_version(obj, expected: int | None) -> None:
    if not hasattr(obj, "version"):
        return
    rows = type(obj)._base_manager.select_for_update().filter(pk=obj.pk)
    current = rows.values_list("version", flat=True).first() or 0
    if expected is not None and current != expected:
        raise Conflict(obj, loaded=expected, current=current)
    obj.version = current + 1


def delete(obj: models.Model, *, user=None, comment: str = "") -> None:
    with writing(user=user, comment=comment) as work:
        work.deleting(obj)
        obj.delete()


def move_sub_points(point) -> None:
    """Inside a unit of work: a recommendation moved to another document takes its sub-points along."""
    moved = list(point.children.exclude(document_id=point.document_id).values_list("pk", flat=True))
    if moved:
        current().changing(Recommendation, moved)
        Recommendation.objects.filter(pk__in=moved).update(document_id=point.document_id)


def recount() -> None:
    """Rebuild the maintained counts and drop cached page values (the counts job, after a restore)."""
    counting.rebuild()
    transaction.on_commit(version_changed)


# --- the guard ------------------------------------------------------------------------------------

GUARDED_SAVES: tuple[type, ...] = ()


def _complain(message: str) -> None:
    if getattr(settings, "KBASE_WRITE_GUARD", "log") == "raise":
        raise UnreportedWrite(message)
    logger.error("content written outside the service: %s", message)


def guard_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    work = current()
    if work is None:
        _complain(f"{sender.__name__} #{instance.pk} saved outside content.writing")
    else:
        work.seen.add((sender, instance.pk))


def guard_deleted(sender, instance, **kwargs) -> None:
    # Deletes cascade (a document's sections go with it): only a unit is required.
    if current() is None:
        _complain(f"{sender.__name__} #{instance.pk} deleted outside content.writing")


def guard_linked(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_") and current() is None:
        _complain(f"links of {type(instance).__name__} #{instance.pk} changed outside content.writing")


def connect_guard() -> None:
    """Called from apps.py: the guard for every content model and lesson link table."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from taggit.models import TaggedItem

    global GUARDED_SAVES
    kinds = KINDS
    GUARDED_SAVES = (SourceDocument, Section, *TAXONOMY, *(k.model for k in kinds))
    for model in GUARDED_SAVES:
        post_save.connect(guard_saved, sender=model, dispatch_uid=f"content-guard-save-{model.__name__}")
        post_delete.connect(guard_deleted, sender=model, dispatch_uid=f"content-guard-delete-{model.__name__}")
    links = [SourceDocument.places.through]
    for kind in kinds:
        links += [kind.model.places.through, kind.model.themes.through]
    links.append(kind_of("recommendation").model.derived_from.through)
    for through in links:
        m2m_changed.connect(guard_linked, sender=through, dispatch_uid=f"content-guard-links-{through.__name__}")
    post_save.connect(_guard_tag, sender=TaggedItem, dispatch_uid="content-guard-tags")


def _guard_tag(sender, instance, raw=False, **kwargs) -> None:
    if not raw and current() is None and is_lesson(type(instance.content_object) if instance.object_id else None):
        _complain(f"keyword added to {instance.content_type} #{instance.object_id} outside content.writing")


__all__ = ["Conflict", "Lesson", "UnreportedWrite", "Work", "current", "delete", "recount", "save", "writing"]
