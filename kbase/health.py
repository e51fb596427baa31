"""Is each dependency answering? For /healthz and the fault script; every check is short and never raises."""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count

logger = logging.getLogger(__name__)


def database() -> str:
    """``ok``; ``unavailable``; or ``unmigrated``: it answers, but lacks this code's migrations.

    An unmigrated database answers ``SELECT 1`` while every page fails on a
    missing table: a load balancer must not send readers to it.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        applied = MigrationRecorder(connection).applied_migrations()
    except DatabaseError as error:
        logger.warning("health: database unavailable: %s", error)
        return "unavailable"
    missing = _latest_migrations() - set(applied)
    if missing:
        logger.warning("health: database lacks migrations %s (run manage.py migrate)", sorted(missing))
        return "unmigrated"
    return "ok"


@cache
def _latest_migrations() -> frozenset[tuple[str, str]]:
    # Read from the code once per process: the last migration of each app.
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def cache() -> str:
    """The shared cache (Redis); the per-process default has nothing that can be down."""
    backend = settings.CACHES["default"]["BACKEND"]
    if "redis" not in backend.lower():
        return "per-process"
    try:
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
    except Exception as error:  # redis raises ConnectionError, TimeoutError and others
        logger.warning("health: cache unavailable: %s", error)
        return "unavailable"
    return "ok"


def broker() -> str:
    if settings.KBASE_JOBS_MODE != "celery":
        return settings.KBASE_JOBS_MODE  # "thread": jobs run in the web process; nothing to reach
    from kbase.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    except Exception as error:  # kombu raises OperationalError and transport-specific errors
        logger.warning("health: broker unavailable: %s", error)
        return "unavailable"
    return "ok"


def jobs() -> dict[str, int] | str:
    """How many jobs wait and run: a queue that only grows means no worker is taking them."""
    from jobs.models import Job

    try:
        counts = dict(
            Job.objects.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])
            .values_list("state")
            .annotate(n=Count("pk"))
        )
    except DatabaseError:
        return "unknown"
    return {"queued": counts.get(Job.State.QUEUED, 0), "running": counts.get(Job.State.RUNNING, 0)}


def report() -> tuple[dict, int]:
    """The /healthz body and status: 503 only when the database is down or unmigrated (nothing can be served)."""
    checks = {"database": database(), "cache": cache(), "broker": broker()}
    checks["jobs"] = jobs() if checks["database"] == "ok" else "unknown"
    down = [name for name in ("database", "cache", "broker") if checks[name] in ("unavailable", "unmigrated")]
    status = "error" if "database" in down else ("degraded" if down else "ok")
    return {"status": status, **checks}, 503 if "database" in down else 200
