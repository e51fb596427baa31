"""Spreading CPU-bound work over the machine's cores: a pool of forked processes.

Used by the work that segments text in bulk: an import's analysis and its
index entries, and the index rebuild. Forked rather than spawned so that the
workers start in milliseconds with what the parent already holds (the
segmenter's dictionary, the gazetteer, a plan's documents) and need nothing
pickled but their tasks and results.

A worker dies with the process that started it (``PR_SET_PDEATHSIG``): when a
job is killed at its time limit, its pool goes with it. Each worker inherits
the job's memory cap (``RLIMIT_DATA``) as a limit of its own.

Workers that do not use the database must not touch it: they share the
parent's connections, which they neither use nor close (they end with
``os._exit``, as multiprocessing's forked processes do). Workers that do use it
(the rebuild's) are started with ``uses_database=True``: the parent's
connections are closed first and each worker opens its own.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import Pool
from typing import Any

from .limits import die_with_parent


def cores() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def can_start_workers() -> bool:
    """False inside a pool's worker: a worker's own work runs in the worker."""
    return not getattr(multiprocessing.current_process(), "_kbase_worker", False)


@contextlib.contextmanager
def process_pool(workers: int, *, uses_database: bool = False) -> Iterator[Pool]:
    """A pool of ``workers`` forked processes, terminated when the block ends (even on error)."""
    if uses_database:
        from django.db import connections

        connections.close_all()  # a forked process must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with children_allowed(), context.Pool(workers, initializer=_worker_started) as pool:
        yield pool


# What map_inherited's workers work on: set before they are forked, so they inherit it.
_INHERITED: tuple[Callable, Sequence] | None = None


def map_inherited(function: Callable[[Any], Any], items: Sequence, *, workers: int, chunk: int = 1) -> Iterator[Any]:
    """``function(item)`` for each item, in order, computed by ``workers`` forked processes.

    The workers inherit ``function`` and ``items`` (a closure will do): only
    ranges of indexes are sent to them and only results come back. With one
    worker, or from inside a worker, everything runs in this process.
    """
    global _INHERITED
    if workers <= 1 or len(items) <= chunk or not can_start_workers():
        yield from map(function, items)
        return
    if _INHERITED is not None:
        raise RuntimeError("map_inherited is not reentrant")
    _INHERITED = (function, items)
    try:
        ranges = [(start, min(start + chunk, len(items))) for start in range(0, len(items), chunk)]
        with process_pool(min(workers, len(ranges))) as pool:
            for results in pool.imap(_call_inherited, ranges):
                yield from results
    finally:
        _INHERITED = None


def _call_inherited(span: tuple[int, int]) -> list:  # pragma: no cover - runs in the worker processes
    function, items = _INHERITED
    return [function(items[index]) for index in range(*span)]


@contextlib.contextmanager
def children_allowed() -> Iterator[None]:
    """Let this process start a pool even when it counts as daemonic.

    A job runs in a child of the Celery worker's pool process, which is
    daemonic, and multiprocessing refuses daemonic processes children lest they
    be orphaned. These children cannot be: each dies with its parent
    (``_worker_started``), and the pool is closed before the block returns.
    """
    process = multiprocessing.current_process()
    daemonic = process._config.get("daemon", False)
    process._config["daemon"] = False
    try:
        yield
    finally:
        process._config["daemon"] = daemonic


def _worker_started() -> None:  # pragma: no cover - runs in the worker processes
    """A worker dies with the process that started it, and starts no pool of its own."""
    die_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    multiprocessing.current_process()._kbase_worker = True
