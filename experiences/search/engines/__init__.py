"""The full-text engines: SQLite FTS5 or PostgreSQL tsvector, following the database vendor."""

from __future__ import annotations

from django.db import connections, router

from ...models import SearchEntry
from .base import Engine, Prepared, exact_total
from .postgres import PostgresEngine
from .sqlite import SQLiteEngine

__all__ = ["Engine", "PostgresEngine", "Prepared", "SQLiteEngine", "backend", "exact_total"]


def backend() -> Engine:
    """The engine of the database this request reads from: a read replica when kbase.replicas allows."""
    alias = router.db_for_read(SearchEntry)
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return PostgresEngine(alias)
    if vendor == "sqlite":
        return SQLiteEngine(alias)
    raise NotImplementedError(f"search is not available on {vendor}")
