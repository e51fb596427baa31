"""``Authorization: Token <key>`` (or ``Bearer <key>``) for programs; the site's session for browsers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import tokens


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Token 令牌”。"))
        token = tokens.authenticate(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已撤销。"))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"
