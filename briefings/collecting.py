"""Assembling a collection: adding lessons, reordering and removing them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from experiences.models import Practice, Recommendation

from .models import Collection, CollectionItem

KINDS = {"practice": Practice, "recommendation": Recommendation}


def add_lesson(*, collection: Collection, kind: str, pk: int, user) -> tuple[CollectionItem, bool]:
    """Append a lesson the user can see; adding one already there leaves it where it is. Returns (item, created)."""
    model = KINDS[kind]
    lesson = model.objects.visible_to(user).get(pk=pk)
    with transaction.atomic():
        Collection.objects.select_for_update().filter(pk=collection.pk).first()  # serialise concurrent appends
        existing = collection.items.filter(**{kind: lesson}).first()
        if existing is not None:
            return existing, False
        last = collection.items.aggregate(last=Max("order"))["last"]
        item = CollectionItem.objects.create(collection=collection, order=(last or 0) + 1, **{kind: lesson})
        Collection.objects.filter(pk=collection.pk).update(updated_at=item.added_at)
    return item, True


def move_item(*, item: CollectionItem, offset: int) -> None:
    """Move an item ``offset`` places (negative: towards the top), clamped to the ends; orders are renumbered 1..n."""
    with transaction.atomic():
        items = list(item.collection.items.select_for_update().order_by("order", "pk"))
        index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
        if index is None:  # removed meanwhile (another tab): nothing to move
            return
        items.insert(max(0, min(len(items) - 1, index + offset)), items.pop(index))
        _renumber(items)


def remove_item(*, item: CollectionItem) -> None:
    with transaction.atomic():
        collection = item.collection
        item.delete()
        _renumber(list(collection.items.select_for_update().order_by("order", "pk")))


def _renumber(items: list[CollectionItem]) -> None:
    changed = []
    for order, item in enumerate(items, 1):
        if item.order != order:
            item.order = order
            changed.append(item)
    CollectionItem.objects.bulk_update(changed, ["order"])
