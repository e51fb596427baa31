"""jobs.pool: CPU-bound work spread over forked processes, in order, and never nested."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from jobs import pool


def test_map_inherited_returns_every_result_in_order_from_other_processes():
    numbers = list(range(50))
    offset = 1000  # a closure: the workers inherit it, nothing is pickled but the indexes
    results = list(pool.map_inherited(lambda n: (n + offset, os.getpid()), numbers, workers=2, chunk=7))
    assert [value for value, _ in results] == [n + 1000 for n in numbers]
    assert os.getpid() not in {pid for _, pid in results}


def test_one_worker_or_a_small_batch_runs_here():
    assert {pid for pid in pool.map_inherited(lambda _: os.getpid(), [1, 2, 3], workers=1)} == {os.getpid()}
    assert {pid for pid in pool.map_inherited(lambda _: os.getpid(), [1], workers=2)} == {os.getpid()}


def test_a_worker_does_its_own_share_without_starting_a_pool():
    def inner(n):
        # Inside a worker: the nested map runs in that worker.
        return n, os.getpid(), set(pool.map_inherited(lambda _: os.getpid(), [1, 2, 3, 4], workers=2))

    for _n, worker, nested in pool.map_inherited(inner, [1, 2], workers=2):
        assert nested == {worker}


def test_an_error_in_a_worker_reaches_the_caller_and_the_pool_is_gone():
    def fails(n):
        if n == 3:
            raise ValueError("bad item")
        return n

    with pytest.raises(ValueError, match="bad item"):
        list(pool.map_inherited(fails, list(range(6)), workers=2))
    assert multiprocessing.active_children() == []  # the pool is gone
    assert list(pool.map_inherited(abs, [-1, -2], workers=2)) == [1, 2]  # a new map starts cleanly


def test_a_worker_that_dies_fails_the_work_at_once_and_leaves_no_process():
    from concurrent.futures.process import BrokenProcessPool

    def dies(n):
        if n == 2:
            os.kill(os.getpid(), 9)  # as the kernel's out-of-memory killer would
        return n

    with pytest.raises(BrokenProcessPool):
        list(pool.map_inherited(dies, list(range(8)), workers=2))
    assert multiprocessing.active_children() == []


def test_the_workers_share_the_memory_the_job_may_still_take():
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    used = pool.data_segment_bytes()
    resource.setrlimit(resource.RLIMIT_DATA, (used + 600 * 2**20, hard))
    try:
        limits = list(pool.map_inherited(lambda _: resource.getrlimit(resource.RLIMIT_DATA)[0], [1, 2], workers=2))
        assert resource.getrlimit(resource.RLIMIT_DATA)[0] == used + 600 * 2**20  # restored afterwards
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    for limit in limits:
        assert limit - used < 250 * 2**20  # a third each (this process and two workers), not 600 MB each
