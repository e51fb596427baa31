"""A per-client budget for typeset exports: a PDF or Word file costs seconds of a worker's time."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

HEAVY_FORMATS = ("pdf", "docx")


def client_key(request: HttpRequest) -> str:
    """Signed-in users by account; others by address (REMOTE_ADDR: set it from the proxy if there is one)."""
    user = request.user
    if user.is_authenticated:
        return f"user:{user.pk}"
    return f"addr:{request.META.get('REMOTE_ADDR', '')}"


def allow(*, key: str, now: float | None = None) -> tuple[bool, int]:
    """Count one export in the current window; (allowed, seconds until the window ends)."""
    limit, window = settings.KBASE_EXPORT_RATE_LIMIT, settings.KBASE_EXPORT_RATE_WINDOW
    now = time.time() if now is None else now
    slot = int(now // window)
    bucket = f"export-rate:{key}:{slot}"
    cache.add(bucket, 0, timeout=window)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window)
        count = 1
    return count <= limit, int((slot + 1) * window - now) + 1
