"""History of every change to the content, kept with django-reversion: recording, comparing, restoring."""

from .comparing import FieldRow, compare, versions_of
from .recording import record, register, snapshot

__all__ = ["FieldRow", "compare", "record", "register", "restore", "snapshot", "versions_of"]


def restore(obj, version, *, user) -> None:
    # Imported on use: restoring goes through experiences.content, which itself records history.
    from .restoring import restore as _restore

    _restore(obj, version, user=user)
