"""Spreading CPU-bound work over the machine's cores: a pool of forked processes.

Used by the work that segments text in bulk: the analysis of a big import,
and the index rebuild. Forked rather than spawned so that the
workers start in milliseconds with what the parent already holds (the
segmenter's dictionary, the gazetteer, a plan's documents) and need nothing
pickled but their tasks and results.

A worker dies with the process that started it (``PR_SET_PDEATHSIG``): when a
job is killed at its time limit, its pool goes with it. A worker that dies
fails the work at once (``BrokenProcessPool``). Each worker may take its
share of the memory the job could still take (``RLIMIT_DATA``).

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
import resource
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from .limits import data_segment_bytes, die_with_parent


def cores() -> int:
    """The cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def can_start_workers() -> bool:
    """False inside a pool's worker: a worker's own work runs in the worker."""
    return not getattr(multiprocessing.current_process(), "_kbase_worker", False)


class Workers:
    """Forked worker processes. A worker that dies (killed, out of memory) fails the work at once
    with ``BrokenProcessPool`` rather than leaving it waiting for a result that never comes."""

    def __init__(self, executor: ProcessPoolExecutor):
        self.executor = executor

    def map(self, function: Callable, items: Iterable) -> Iterator:
        """``function(item)`` for each item, in order."""
        return self.executor.map(function, items)

    def imap_unordered(self, function: Callable, items: Iterable) -> Iterator:
        """``function(item)`` for each item, as each finishes."""
        futures = [self.executor.submit(function, item) for item in items]
        for future in as_completed(futures):
            yield future.result()


@contextlib.contextmanager
def process_pool(workers: int, *, uses_database: bool = False) -> Iterator[Workers]:
    """``workers`` forked processes, gone when the block ends (even on error).

    Each may use its share of the memory this process may still take: the
    job's cap (``RLIMIT_DATA``) bounds the job, not each of its processes.
    """
    if uses_database:
        from django.db import connections

        connections.close_all()  # a forked process must not share the parent's connection
    limit = _memory_share(workers + 1)
    executor = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_started,
        initargs=(os.getpid(), limit),
    )
    try:
        with children_allowed(), _memory_limited(limit):
            yield Workers(executor)
    except BaseException:
        # Nothing more is wanted from the workers: stop them rather than let them finish their tasks.
        for process in list((executor._processes or {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                process.kill()
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _memory_share(shares: int) -> int | None:
    """The data-segment limit that gives each of ``shares`` processes an equal part of what this one may
    still take under its cap (None: no cap)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_DATA)
    if soft == resource.RLIM_INFINITY:
        return None
    used = data_segment_bytes()
    return used + max(0, soft - used) // shares


@contextlib.contextmanager
def _memory_limited(limit: int | None) -> Iterator[None]:
    """This process, too, keeps to its share while its workers run."""
    if limit is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (min(soft, limit), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


# What map_inherited's workers work on: set before they are forked, so they inherit it.
_INHERITED: tuple[Callable, Sequence] | None = None
_INHERITING = threading.Lock()  # one map_inherited at a time in a process


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
    with _INHERITING:
        _INHERITED = (function, items)
        try:
            ranges = [(start, min(start + chunk, len(items))) for start in range(0, len(items), chunk)]
            with process_pool(min(workers, len(ranges))) as pool:
                for results in pool.map(_call_inherited, ranges):
                    yield from results
        finally:
            _INHERITED = None


def _call_inherited(span: tuple[int, int]) -> list:  # pragma: no cover - runs in the worker processes
    function, items = _INHERITED
    return [function(items[index]) for index in range(*span)]


_DAEMON_LOCK = threading.Lock()


@contextlib.contextmanager
def children_allowed() -> Iterator[None]:
    """Let this process start workers even when it counts as daemonic.

    A job runs in a child of the Celery worker's pool process, which is
    daemonic, and multiprocessing refuses daemonic processes children lest they
    be orphaned. These children cannot be: each dies with its parent
    (``_worker_started``), and the pool is closed before the block returns.
    """
    with _DAEMON_LOCK:
        process = multiprocessing.current_process()
        daemonic = process._config.get("daemon", False)
        process._config["daemon"] = False
        try:
            yield
        finally:
            process._config["daemon"] = daemonic


def _worker_started(parent: int, limit: int | None) -> None:  # pragma: no cover - runs in the worker processes
    """A worker dies with the process that started it, starts no pool of its own, and keeps to its
    share of the job's memory."""
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    multiprocessing.current_process()._kbase_worker = True
    if limit is not None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (min(limit, hard), hard))
