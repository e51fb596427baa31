"""Making, checking and revoking personal API tokens (the page, the admin and the API go through here)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from .models import ApiToken

PREFIX = "kb_"
LIFETIMES = (30, 90, 365)  # days a user may choose
# last_used_at is written at most this often per token: not one UPDATE per API request.
TOUCH_EVERY = timedelta(minutes=1)


def digest_of(key: str) -> str:
    # A single SHA-256 is enough for a random 256-bit key (no dictionary to guess from), and it is a lookup.
    return hashlib.sha256(key.encode()).hexdigest()


def create(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token and its key (the only time the key exists in clear)."""
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=key[: len(PREFIX) + 6],
        digest=digest_of(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, key


def authenticate(key: str) -> ApiToken | None:
    """The usable token with this key, marked as used; None for an unknown, expired or revoked key."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=digest_of(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(*, user, pk: int) -> bool:
    """Revoke one of the user's own tokens; False if it is not theirs or already revoked."""
    return bool(ApiToken.objects.filter(pk=pk, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now()))
