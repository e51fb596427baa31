"""The review queue: what waits for a reviewer, and what was returned to (or still waits for) an editor."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from . import workflow
from .lessons import KINDS
from .models import SourceDocument, Status

MODELS = (SourceDocument, *(kind.model for kind in KINDS))
SHOWN = 50  # per model and list; the counts are exact


@dataclass
class Queue:
    waiting: dict = field(default_factory=dict)  # model → items this user may approve
    returned: dict = field(default_factory=dict)  # model → this user's items sent back with a comment
    submitted: dict = field(default_factory=dict)  # model → this user's items still waiting
    counts: dict = field(default_factory=dict)  # "waiting" / "returned" / "submitted" → total


def _waiting(model, user):
    if not workflow.may(user, model, workflow.APPROVE):
        return model.objects.none()
    items = model.objects.filter(status=Status.REVIEW)
    if not settings.KBASE_ALLOW_SELF_APPROVAL:
        items = items.exclude(submitted_by=user)
    return items


def _returned(model, user):
    return model.objects.filter(status=Status.DRAFT, returned=True, submitted_by=user)


def _submitted(model, user):
    return model.objects.filter(status=Status.REVIEW, submitted_by=user)


LISTS = {"waiting": _waiting, "returned": _returned, "submitted": _submitted}


def counts(user) -> dict[str, int]:
    """How many items wait for this user and how many were returned to them (the header's badges)."""
    if not (user is not None and user.is_authenticated and user.is_staff):
        return {}
    return {name: sum(query(model, user).count() for model in MODELS) for name, query in LISTS.items()}


def queue(user) -> Queue:
    result = Queue()
    for name, query in LISTS.items():
        lists = {model: query(model, user) for model in MODELS}
        shown = {model: list(_related(items).order_by("submitted_at", "pk")[:SHOWN]) for model, items in lists.items()}
        setattr(result, name, shown)
        result.counts[name] = sum(items.count() for items in lists.values())
    return result


def _related(items):
    if items.model is SourceDocument:
        return items.select_related("submitted_by", "reviewed_by")
    return items.select_related("submitted_by", "reviewed_by", "document")
