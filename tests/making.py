"""Content made and changed in tests the way the application does it: through experiences.content.

Each helper is one unit of work, so the search index, the counts and history
follow as they do for a curator; ``lessons`` makes many in one unit.
"""

from __future__ import annotations

from collections.abc import Iterable

from experiences import content
from experiences.models import Lesson


def lesson(model: type[Lesson], *, places=(), themes=(), tags=(), derived_from=(), user=None, **fields) -> Lesson:
    """One new practice or recommendation with its links."""
    (made,) = lessons(model, [fields], places=places, themes=themes, tags=tags, derived_from=derived_from, user=user)
    return made


def lessons(
    model: type[Lesson], rows: Iterable[dict], *, places=(), themes=(), tags=(), derived_from=(), user=None
) -> list[Lesson]:
    """Several lessons in one unit of work; each link is a list for all, or a callable of the row's index.

    Links are inserted in bulk, as the importer does: a few queries however many lessons.
    """
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import Tag, TaggedItem

    links = {"places": places, "themes": themes, "derived_from": derived_from}
    with content.writing(user=user, comment="test") as work:
        made = model.objects.bulk_create([model(**row) for row in rows])
        for name, values in links.items():
            if not values:
                continue
            field = model._meta.get_field(name)
            through, source = field.remote_field.through, field.m2m_field_name()
            target = field.m2m_reverse_field_name()
            pairs = [
                through(**{f"{source}_id": obj.pk, f"{target}_id": other.pk})
                for i, obj in enumerate(made)
                for other in (values(i) if callable(values) else values)
            ]
            through.objects.bulk_create(pairs)
        names = {i: list(tags(i) if callable(tags) else tags) for i in range(len(made))}
        known = {tag.name: tag for tag in Tag.objects.filter(name__in={n for ns in names.values() for n in ns})}
        for name in sorted({n for ns in names.values() for n in ns} - set(known)):
            known[name] = Tag.objects.create(name=name)
        content_type = ContentType.objects.get_for_model(model)
        TaggedItem.objects.bulk_create(
            [
                TaggedItem(content_type=content_type, object_id=obj.pk, tag=known[name])
                for i, obj in enumerate(made)
                for name in names[i]
            ]
        )
        work.created(model, [obj.pk for obj in made])
    return made


def save(obj, *, user=None, **fields):
    """Change fields of an existing object (or save a new one)."""
    for name, value in fields.items():
        setattr(obj, name, value)
    content.save(obj, user=user, comment="test")
    return obj


def link(obj, *, user=None, **links) -> None:
    """Add to an object's many-to-many links: ``link(practice, places=[wuhan], tags=["夜间经济"])``."""
    with content.writing(user=user, comment="test") as work:
        work.changing(obj)
        for name, values in links.items():
            getattr(obj, name).add(*values)


def delete(obj, *, user=None) -> None:
    content.delete(obj, user=user, comment="test")


READER, EDITOR, REVIEWER, ADMINISTRATOR = "读者", "编辑", "审核", "管理员"


def user(username: str, role: str | None = EDITOR, *, password: str = "x-not-a-real-password", **fields):
    """A user in one of the roles (groups made by migration 0010); editors and up are staff (the admin)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    staff = role in {EDITOR, REVIEWER, ADMINISTRATOR}
    made = get_user_model().objects.create_user(username, password=password, is_staff=staff, **fields)
    if role:
        made.groups.add(Group.objects.get(name=role))
    return made


WITHDRAW = {"action": "workflow_withdraw", "apply": "1", "note": "内容已过时"}


def republish(obj) -> None:
    """Back to draft and published again by the system (what an editor and a reviewer would do in two steps)."""
    from experiences import workflow

    workflow.apply([obj], action=workflow.REOPEN, system=True)
    workflow.publish_new([obj])
