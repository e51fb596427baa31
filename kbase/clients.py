"""Who a request comes from, behind the reverse proxies the operator declares (KBASE_TRUSTED_PROXY_HOPS).

Rate limits (exports) and login throttling (django-axes) count real clients
with this; behind a proxy, REMOTE_ADDR is the proxy and every reader would
share one budget. Only the entries the trusted proxies appended are believed:
a client can put anything at the left of X-Forwarded-For.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.KBASE_TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them. Trust nothing in it.
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_key(request: HttpRequest) -> str:
    """Signed-in users by account (wherever they are), others by address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"
