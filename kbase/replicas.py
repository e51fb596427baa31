"""Reads from PostgreSQL read replicas (``DATABASE_REPLICA_URLS``), writes and fresh reads on the primary.

A streaming replica lags the primary by a little. So a read goes to a
replica only when nothing can be missed by reading slightly old data:

- only during a web request that is itself a read (GET, HEAD), of a client
  that has not written in the last ``KBASE_REPLICA_PIN_SECONDS`` (a write
  answers with a cookie that keeps that client's reads on the primary, so a
  curator sees the draft they just saved and a reader the collection they
  just made);
- never inside a transaction on the primary (a unit of work reads what it
  writes), and never in jobs, commands or tests, which read the primary.

Set up by settings (``DATABASE_ROUTERS`` and ``ReplicaPinMiddleware`` when
replicas are configured); ``bench/replica.py`` shows it with a replica of its own.
"""

from __future__ import annotations

import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

PIN_COOKIE = "kbase_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether this request's reads may go to a replica (set by the middleware, for one request).
_reads_may_use_replica: ContextVar[bool] = ContextVar("kbase_reads_may_use_replica", default=False)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class PrimaryReplicaRouter:
    """Writes, migrations and every read that must be fresh to ``default``; other reads to a replica."""

    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if not replicas or not _reads_may_use_replica.get() or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas are copies of the primary: every object comes from the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Lets a request's reads use the replicas, unless it writes or its client wrote a moment ago."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pinned = _pinned_until(request) > time.time()
        token = _reads_may_use_replica.set(request.method in SAFE_METHODS and not pinned and bool(replica_aliases()))
        try:
            response = self.get_response(request)
        finally:
            _reads_may_use_replica.reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400 and replica_aliases():
            seconds = settings.KBASE_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds, samesite="Lax",
                secure=request.is_secure(), httponly=True,
            )  # fmt: skip
        return response


def _pinned_until(request) -> float:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return 0.0
