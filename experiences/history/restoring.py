"""Restoring a version: its values written back through the service, which records the restore as a new version."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from reversion.models import Version

from .. import content
from .comparing import NOT_RESTORED, values
from .serializer import TAGS


def restore(obj, version: Version, *, user) -> None:
    """Put ``obj`` back as it was in ``version``: fields, links and keywords; not its status (the workflow's).

    Links to objects deleted since are left out. One unit of work: the index,
    counts and a new revision ("恢复到……的版本") follow as for any edit.
    """
    data = values(version)
    model = type(obj)
    when = formats.date_format(version.revision.date_created, "Y-m-d H:i")
    with content.writing(user=user, comment=_("恢复到 %(when)s 的版本") % {"when": when}):
        for field in model._meta.concrete_fields:
            if field.name in NOT_RESTORED or field.name not in data:
                continue
            value = data[field.name]
            if (
                field.is_relation
                and value is not None
                and not field.related_model._base_manager.filter(pk=value).exists()
            ):
                value = None if field.null else getattr(obj, field.attname)
            setattr(obj, field.attname, value)
        content.save(obj, user=user)  # measures the counts before any change (links included)
        for field in model._meta.many_to_many:
            if field.name == TAGS or field.name not in data:
                continue
            existing = field.related_model._base_manager.filter(pk__in=data[field.name]).values_list("pk", flat=True)
            getattr(obj, field.name).set(list(existing))
        if TAGS in data:
            obj.tags.set(list(data[TAGS]))
