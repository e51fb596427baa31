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
    """Several lessons in one unit of work; each link is a list for all, or a callable of the row's index."""
    links = {"places": places, "themes": themes, "tags": tags, "derived_from": derived_from}
    with content.writing(user=user, comment="test") as work:
        made = model.objects.bulk_create([model(**row) for row in rows])
        for i, obj in enumerate(made):
            for name, values in links.items():
                values = values(i) if callable(values) else values
                if values:
                    getattr(obj, name).set(list(values))
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
