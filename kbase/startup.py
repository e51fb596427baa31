"""What a web worker does once, before its first request.

A worker that loads its URL configuration and its segmenter lazily makes the
first request after start-up slow; and every object loaded at start-up
(Django's modules, WeasyPrint, the gazetteer) stays tracked by the garbage
collector, whose full collections then walk all of it: pauses of tens of
milliseconds at random requests, the p95 of the pages. So the worker loads
them up front and moves them out of the collector's sight (``gc.freeze()``:
they are never collected, which they would not be anyway).

Frozen, the remaining full collections are short but more frequent, because
the queries and model instances alive while a request runs are promoted to
the oldest generation by the young collections it triggers; a young threshold
of 2,000 allocations (Python's is 700, from when heaps were small) lets most
of them die young. docs/performance.md gives the measurements.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from django.db import DatabaseError, connections
from django.urls import get_resolver

logger = logging.getLogger(__name__)

YOUNG_THRESHOLD = 2_000


def prepare_worker() -> None:
    get_resolver().check()  # imports every URL module and view, as the first request would
    if not _in_event_loop():
        _load_search()
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def _load_search() -> None:
    # Imported here: experiences.search needs the app registry, ready only once the
    # WSGI or ASGI application has been created.
    from experiences import search

    try:
        # Segmenter and gazetteer, OpenCC's tables and the place lookup: what a first search loads.
        search.understand("產學研 湖北")
    except DatabaseError:
        # A base not migrated yet: the first search builds the segmenter instead.
        logger.warning("segmenter not loaded at start-up: the database is not ready")
    finally:
        # A connection opened here is not the request's: give it back.
        connections.close_all()


def _in_event_loop() -> bool:
    """Whether the application is being loaded inside a running event loop (uvicorn does).

    The ORM refuses to run there (SynchronousOnlyOperation): the first search
    then loads the segmenter, in its own thread, as before.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
