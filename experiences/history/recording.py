"""Recording revisions: one per unit of work, with one version of every object it changed.

django-reversion's models hold them (Revision: who, when, why; Version: one
object as it was after the change, serialized). Objects are serialized here
in batches with their links prefetched, so an import of thousands of lessons
records its history in a few queries per model rather than several per object.
"""

from __future__ import annotations

from collections.abc import Iterable

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import router
from django.utils import timezone
from django.utils.encoding import force_str
from reversion.models import Revision, Version

from .serializer import TAGS, has_tags

FORMAT = "kbase"
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


def snapshot(model, ids: Iterable[int]) -> list[Version]:
    """Unsaved versions of these objects as they are now (their revision is set when recorded)."""
    if not reversion.is_registered(model):
        return []
    ids = sorted(set(ids))
    options = _options(model)
    m2m = [f.name for f in model._meta.many_to_many if f.name in options.fields]
    prefetch = m2m + ([TAGS] if has_tags(model) else [])
    content_type = ContentType.objects.get_for_model(model)
    db = router.db_for_write(model)
    versions = []
    for start in range(0, len(ids), BATCH):
        objects = model._base_manager.filter(pk__in=ids[start : start + BATCH]).prefetch_related(*prefetch)
        for obj in objects:
            versions.append(
                Version(
                    content_type=content_type,
                    object_id=force_str(obj.pk),
                    db=db,
                    format=FORMAT,
                    serialized_data=serializers.serialize(FORMAT, [obj], fields=options.fields),
                    object_repr=force_str(obj)[:2000],
                )
            )
    return versions


def record(*, changed: dict, removed: list[Version], user=None, comment: str = "") -> list[Revision]:
    """Save a revision of what a unit of work changed (and, apart, one of what it deleted)."""
    revisions = []
    versions = [v for model, ids in changed.items() if ids for v in snapshot(model, ids)]
    for items, note in ((versions, comment), (removed, _deleted_comment(comment))):
        if not items:
            continue
        revision = Revision.objects.create(user=user, comment=note or "", date_created=timezone.now())
        for version in items:
            version.revision = revision
        Version.objects.bulk_create(items, batch_size=BATCH)
        revisions.append(revision)
    return revisions


DELETED = "删除"


def _deleted_comment(comment: str) -> str:
    return f"{DELETED}:{comment}" if comment else DELETED
