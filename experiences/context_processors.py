"""What every page's header needs to know about the signed-in user."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from . import reviewing
from .models import sees_unpublished


def editorial(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"sees_unpublished": False, "review_counts": {}}
    # Counted only when a template reads them (a few small indexed queries).
    return {
        "sees_unpublished": sees_unpublished(user),
        "review_counts": SimpleLazyObject(lambda: reviewing.counts(user)),
    }
