"""Recording revisions: one per unit of work, with one version of every object it changed.

django-reversion's models hold them (Revision: who, when, why; Version: one
object as it was after the change, serialized). Objects are serialized here
in batches with their links prefetched, so an import of thousands of lessons
records its history in a few queries per model rather than several per object.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace
from typing import NamedTuple

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router
from django.utils import timezone
from django.utils.encoding import force_str
from reversion.models import Revision, Version
from taggit.models import TaggedItem

from ..bulk import insert_rows
from .serializer import TAGS, has_tags

FORMAT = "kbase"
VERSION_FIELDS = ["revision", "object_id", "content_type", "db", "format", "serialized_data", "object_repr"]
BATCH = 500


def register(model, *, exclude: Iterable[str] = ()) -> None:
    """Keep the history of ``model`` (called from apps.py)."""
    fields = [
        f.name
        for f in model._meta.concrete_model._meta.local_fields + model._meta.concrete_model._meta.local_many_to_many
        if f.name not in {TAGS, *exclude}
    ]
    reversion.register(model, fields=fields, format=FORMAT)


def _options(model):
    from reversion.revisions import _get_options

    return _get_options(model)


class Snapshot(NamedTuple):
    """One object as it is now: a Version row without its revision (set when recorded)."""

    object_id: str
    content_type_id: int
    db: str
    format: str
    serialized_data: str
    object_repr: str


def snapshot(model, ids: Iterable[int]) -> list[Snapshot]:
    """Versions of these objects as they are now, to be saved by ``record``.

    The same JSON as Django's serializer (and the ``kbase`` format) writes, built
    from plain rows: one query for the fields, one per many-to-many link and one
    for keywords per batch. Instantiating each object and serializing it one by
    one, with its links prefetched, took as long as the rest of an import;
    plain tuples, not Version instances, for the same reason.
    """
    if not reversion.is_registered(model):
        return []
    ids = sorted(set(ids))
    options = _options(model)
    concrete = [f for f in model._meta.concrete_fields if f.name in options.fields and not f.primary_key]
    m2m = [f for f in model._meta.many_to_many if f.name in options.fields]
    content_type = ContentType.objects.get_for_model(model)
    db = router.db_for_write(model)
    label = model._meta.label_lower
    versions = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = model._base_manager.filter(pk__in=chunk).values_list("pk", *(f.attname for f in concrete))
        links = {field.name: _links(field, chunk) for field in m2m}
        tags = _tags(model, chunk) if has_tags(model) else None
        for pk, *values in rows:
            fields = {f.name: value for f, value in zip(concrete, values, strict=True)}
            fields |= {name: by_object.get(pk, []) for name, by_object in links.items()}
            if tags is not None:
                fields[TAGS] = tags.get(pk, [])
            data = json.dumps([{"model": label, "pk": pk, "fields": fields}], cls=DjangoJSONEncoder, ensure_ascii=False)
            versions.append(Snapshot(force_str(pk), content_type.pk, db, FORMAT, data, _repr(model, fields, pk)))
    return versions


def _links(field, ids: list[int]) -> dict[int, list[int]]:
    through = field.remote_field.through
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    result: dict[int, list[int]] = defaultdict(list)
    for owner, other in through.objects.filter(**{f"{source}__in": ids}).values_list(source, target).order_by(target):
        result[owner].append(other)
    return result


def _tags(model, ids: list[int]) -> dict[int, list[str]]:
    content_type = ContentType.objects.get_for_model(model)
    result: dict[int, list[str]] = defaultdict(list)
    rows = TaggedItem.objects.filter(content_type=content_type, object_id__in=ids).values_list("object_id", "tag__name")
    for owner, name in rows.order_by("tag__name"):
        result[owner].append(name)
    return result


def _repr(model, fields: dict, pk) -> str:
    """What ``str(obj)`` shows, for the models whose ``__str__`` reads their own fields only.

    ``__str__`` is called on the row's values, not on a model instance: building
    thousands of instances (an import's sections and lessons) cost more than the
    rest of the recording. Only a ``__str__`` that follows a relation gets one.
    """
    values = {f.attname: fields[f.name] for f in model._meta.concrete_fields if f.name in fields}
    try:
        return force_str(model.__str__(SimpleNamespace(**values, pk=pk, id=pk)))[:2000]
    except AttributeError:  # a __str__ that follows a relation (a theme's parent…): a few taxonomy rows
        pass
    try:
        return force_str(model(**values, pk=pk))[:2000]
    except Exception:  # a relation that is gone: the id will do
        return f"{model._meta.verbose_name} #{pk}"


def record(*, changed: dict, removed: list[Snapshot], user=None, comment: str = "") -> list[Revision]:
    """Save a revision of what a unit of work changed (and, apart, one of what it deleted)."""
    revisions = []
    versions = [v for model, ids in changed.items() if ids for v in snapshot(model, ids)]
    for items, note in ((versions, comment), (removed, _deleted_comment(comment))):
        if not items:
            continue
        revision = Revision.objects.create(user=user, comment=note or "", date_created=timezone.now())
        # Plain multi-row inserts (COPY on PostgreSQL): an import's revision holds thousands of versions.
        rows = [
            (revision.pk, v.object_id, v.content_type_id, v.db, v.format, v.serialized_data, v.object_repr)
            for v in items
        ]
        insert_rows(Version, VERSION_FIELDS, rows)
        revisions.append(revision)
    return revisions


DELETED = "删除"


def _deleted_comment(comment: str) -> str:
    return f"{DELETED}:{comment}" if comment else DELETED
