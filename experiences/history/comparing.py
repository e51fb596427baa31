"""Reading versions back: an object's versions, a version's values by field, two versions side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import formats, timezone
from reversion.models import Version

from .serializer import TAGS

# The workflow's record and bookkeeping: shown in the diff, never restored (only transitions move a status).
NOT_RESTORED = {
    "id",
    "version",
    "status",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "published_at",
    "review_note",
    "returned",
    "created_at",
    "updated_at",
    "seed_key",
}


@dataclass
class FieldRow:
    name: str
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


def versions_of(obj) -> list[Version]:
    """Newest first, with their revisions' users."""
    return list(
        Version.objects.get_for_object(obj).select_related("revision__user").order_by("-revision__date_created", "-pk")
    )


def values(version: Version) -> dict[str, object]:
    """Field name → value (ids for links, lists of ids for many-to-many, names for keywords)."""
    deserialized = version._object_version
    obj = deserialized.object
    result: dict[str, object] = {}
    for field in type(obj)._meta.concrete_fields:
        result[field.name] = getattr(obj, field.attname)
    for name, ids in deserialized.m2m_data.items():
        result[name] = list(ids)
    return result


FIRST = {"label", "title", "name", "summary"}
# Bookkeeping a curator never edits: left out of the diff (the version number heads each column).
HIDDEN = {"id", "version", "seed_key", "created_at", "updated_at", "fingerprint", "content_hash"}


def fields_of(model) -> list[tuple[str, str, models.Field | None]]:
    """The fields a diff shows, with their labels: what curators edit first, the workflow's record after."""
    rows = [(f.name, str(f.verbose_name), f) for f in model._meta.concrete_fields if f.name not in HIDDEN]
    rows += [(f.name, str(f.verbose_name), f) for f in model._meta.many_to_many if f.name != TAGS]
    if hasattr(model, TAGS):
        rows.append((TAGS, "关键词", None))
    return sorted(rows, key=lambda row: (row[0] in NOT_RESTORED, row[0] not in FIRST))


def shown(field: models.Field | None, value) -> str:
    """A stored value as a curator reads it: names for links, labels for choices."""
    if value in (None, "", []):
        return "—"
    if field is None:  # keywords
        return "、".join(str(v) for v in value)
    if field.many_to_many:
        ids = [int(v) if str(v).isdigit() else v for v in value]
        names = {o.pk: str(o) for o in field.related_model._base_manager.filter(pk__in=ids)}
        return "、".join(names.get(i, f"#{i}（已删除）") for i in ids)
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}（已删除）"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)


def compare(model, old: Version | None, new: Version) -> list[FieldRow]:
    """Every field, with its value in ``old`` and in ``new`` (``old`` None: the first version)."""
    before = values(old) if old is not None else {}
    after = values(new)
    return [
        FieldRow(name, label, shown(field, before.get(name)) if old is not None else "", shown(field, after.get(name)))
        for name, label, field in fields_of(model)
    ]
