"""Is each dependency answering? For /healthz and the fault script; every check is short and never raises."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count

logger = logging.getLogger(__name__)


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health: database unavailable: %s", error)
        return "unavailable"
    return "ok"


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
    """The /healthz body and status: 503 only when the database is down (nothing can be served without it)."""
    checks = {"database": database(), "cache": cache(), "broker": broker()}
    checks["jobs"] = jobs() if checks["database"] == "ok" else "unknown"
    down = [name for name in ("database", "cache", "broker") if checks[name] == "unavailable"]
    status = "error" if "database" in down else ("degraded" if down else "ok")
    return {"status": status, **checks}, 503 if "database" in down else 200
