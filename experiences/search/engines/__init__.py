"""The full-text engines: SQLite FTS5 or PostgreSQL tsvector, following the database vendor."""

from __future__ import annotations

from django.db import connection

from .base import Engine, Prepared, exact_total
from .postgres import PostgresEngine
from .sqlite import SQLiteEngine

__all__ = ["Engine", "PostgresEngine", "Prepared", "SQLiteEngine", "backend", "exact_total"]


def backend() -> Engine:
    if connection.vendor == "postgresql":
        return PostgresEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"search is not available on {connection.vendor}")
