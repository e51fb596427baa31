"""Assembling a collection: adding lessons, reordering and removing them."""

from __future__ import annotations

from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from experiences import content
from experiences.lessons import kind_of

from .models import Collection, CollectionItem


def add_lesson(*, collection: Collection, kind: str, pk: int, user) -> tuple[CollectionItem, bool]:
    """Append a lesson the user can see; adding one already there leaves it where it is. Returns (item, created)."""
    model = kind_of(kind).model
    lesson = model.objects.visible_to(user).get(pk=pk)
    with content.writing(user=user, comment=_("加入汇编：%(title)s") % {"title": lesson}) as work:
        Collection.objects.select_for_update().filter(pk=collection.pk).first()  # serialise concurrent appends
        existing = collection.items.filter(**{kind: lesson}).first()
        if existing is not None:
            return existing, False
        last = collection.items.aggregate(last=Max("order"))["last"]
        item = CollectionItem.objects.create(collection=collection, order=(last or 0) + 1, **{kind: lesson})
        _touched(work, collection)
        work.created(item)
    return item, True


def _touched(work, collection: Collection) -> None:
    """The collection's own row moves on (a new version, its time) and is recorded with the change."""
    work.changing(collection)
    Collection.objects.filter(pk=collection.pk).update(version=F("version") + 1, updated_at=timezone.now())


def move_item(*, item: CollectionItem, offset: int, user=None) -> None:
    """Move an item ``offset`` places (negative: towards the top), clamped to the ends; orders are renumbered 1..n."""
    with content.writing(user=user, comment=_("调整汇编顺序：%(title)s") % {"title": item.lesson}) as work:
        items = list(item.collection.items.select_for_update().order_by("order", "pk"))
        index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
        if index is None:  # removed meanwhile (another tab): nothing to move
            return
        items.insert(max(0, min(len(items) - 1, index + offset)), items.pop(index))
        _renumber(work, items)
        _touched(work, item.collection)


def remove_item(*, item: CollectionItem, user=None) -> None:
    with content.writing(user=user, comment=_("移出汇编：%(title)s") % {"title": item.lesson}) as work:
        collection = item.collection
        work.deleting(item)
        item.delete()
        _renumber(work, list(collection.items.select_for_update().order_by("order", "pk")))
        _touched(work, collection)


def save_collection(*, form, user) -> Collection:
    """A collection's title, introduction and sharing, saved over the version its form was loaded at."""
    collection = form.save(commit=False)
    new = collection.pk is None
    content.save(
        collection,
        user=user,
        comment=_("新建汇编") if new else _("修改汇编"),
        expected_version=None if new else form.cleaned_data.get("loaded_version"),
    )
    return collection


def delete_collection(*, collection: Collection, user) -> None:
    content.delete(collection, user=user, comment=_("删除汇编"))


def _renumber(work, items: list[CollectionItem]) -> None:
    changed = []
    for order, item in enumerate(items, 1):
        if item.order != order:
            item.order = order
            changed.append(item)
    work.changing(CollectionItem, [item.pk for item in changed])
    CollectionItem.objects.bulk_update(changed, ["order"])
