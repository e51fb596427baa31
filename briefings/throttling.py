"""A per-client budget for typeset exports (django-ratelimit): a PDF or Word file costs a worker's time.

Clients are counted by account when signed in, else by their real address
behind the declared proxies (kbase.clients). With the cache down the budget
is not enforced (RATELIMIT_FAIL_OPEN): exports are still bounded one by one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from kbase.clients import client_key


def allow(request: HttpRequest) -> tuple[bool, int]:
    """Count one typeset export for this client; (allowed, seconds until its window ends)."""
    usage = get_usage(
        request,
        group="briefings.export",
        key=lambda group, request: client_key(request),
        rate=f"{settings.KBASE_EXPORT_RATE_LIMIT}/{settings.KBASE_EXPORT_RATE_WINDOW}s",
        increment=True,
    )
    if usage is None:
        return True, 0
    return not usage["should_limit"], max(1, usage["time_left"])
