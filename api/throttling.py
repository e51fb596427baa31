"""Request budgets: per token for programs, per user for the site's session, per address for anonymous callers."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from kbase.clients import client_ip

from .models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per token (a user's two programs do not share one), else per user, else per client address."""

    def get_rate(self):
        return None  # the scope, hence the rate, is chosen per request in allow_request

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiToken):
            self.scope, ident = "token", f"t{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", f"u{request.user.pk}"
        else:
            # The address as the rest of the site sees it: X-Forwarded-For counts only behind declared proxies.
            self.scope, ident = "anon", f"a{client_ip(request)}"
        # Read per request, not once at import: the rates are settings (KBASE_API_RATE_*).
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.ident = ident
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
