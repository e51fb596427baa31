"""The limits jobs and PDFs run under really stop the work, and leave nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jobs.limits import Cancelled, ChildCrashed, LimitExceeded, Limits, run_bounded

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the limits need fork")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purpose.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split()[2] != "Z"


def _sleep_forever(report=None):
    if report:
        report(os.getpid())
    while True:
        time.sleep(1)


def _allocate(megabytes: int) -> int:
    blocks = [bytearray(2**20) for _ in range(megabytes)]
    return len(blocks)


def test_a_function_runs_in_a_child_and_returns_its_result():
    assert run_bounded(lambda a, b: (a + b, os.getpid()), 2, 3, limits=Limits(seconds=10))[0] == 5
    assert run_bounded(os.getpid, limits=Limits(seconds=10)) != os.getpid()


def test_the_time_limit_kills_the_child_even_if_it_ignores_sigterm():
    pids = []
    previous = signal.signal(signal.SIGTERM, lambda *args: None)  # as gunicorn's worker does
    try:
        started = time.monotonic()
        with pytest.raises(LimitExceeded, match="超过时间上限") as raised:
            run_bounded(_sleep_forever, limits=Limits(seconds=1), on_message=pids.append, poll_seconds=0.1)
        elapsed = time.monotonic() - started
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert raised.value.kind == "time"
    assert elapsed < 5
    assert pids
    assert not _alive(pids[0])


def test_the_memory_limit_stops_a_child_that_allocates_too_much():
    assert run_bounded(_allocate, 50, limits=Limits(seconds=30, memory_bytes=200 * 2**20)) == 50
    with pytest.raises(LimitExceeded, match="超过内存上限") as raised:
        run_bounded(_allocate, 2000, limits=Limits(seconds=30, memory_bytes=200 * 2**20))
    assert raised.value.kind == "memory"


def test_the_childs_exception_is_raised_in_the_parent():
    def refuse():
        raise ValueError("文件坏了")

    with pytest.raises(ValueError, match="文件坏了"):
        run_bounded(refuse, limits=Limits(seconds=10))


def test_an_exception_that_cannot_be_pickled_arrives_as_its_text():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def refuse():
        raise Local("本地异常")

    with pytest.raises(RuntimeError, match="本地异常"):
        run_bounded(refuse, limits=Limits(seconds=10))


def test_progress_messages_reach_the_parent_in_order():
    def work(report):
        for percent in (10, 50, 90):
            report((percent, f"步骤 {percent}"))
        return "完成"

    seen = []
    assert run_bounded(work, limits=Limits(seconds=10), on_message=seen.append) == "完成"
    assert seen == [(10, "步骤 10"), (50, "步骤 50"), (90, "步骤 90")]


def test_a_stop_request_kills_the_child():
    pids = []
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        run_bounded(
            _sleep_forever, limits=Limits(seconds=30), on_message=pids.append, should_stop=should_stop, poll_seconds=0.1
        )
    assert not _alive(pids[0])


def test_a_child_killed_by_a_signal_is_reported_not_hung():
    def crash():
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(ChildCrashed, match="异常退出"):
        run_bounded(crash, limits=Limits(seconds=10))


def test_the_child_dies_with_its_parent():
    """A web worker killed by its server's timeout (SIGKILL) leaves no typesetting child behind."""
    script = textwrap.dedent(
        """
        import sys, time
        import django
        django.setup()
        from jobs.limits import Limits, run_bounded

        def work(report):
            import os
            report(os.getpid())
            time.sleep(60)

        run_bounded(work, limits=Limits(seconds=60), on_message=lambda pid: print(pid, flush=True))
        """
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "kbase.settings", "DEBUG": "1"}
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _alive_or_zombie_owned_elsewhere(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive_or_zombie_owned_elsewhere(child)
    finally:
        parent.kill()


def _alive_or_zombie_owned_elsewhere(pid: int) -> bool:
    try:
        return _alive(pid)
    except FileNotFoundError:
        return False


def test_a_background_child_runs_at_a_lower_cpu_priority():
    assert run_bounded(os.nice, 0, limits=Limits(seconds=10), nice=10) == os.nice(0) + 10
