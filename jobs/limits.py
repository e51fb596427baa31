"""Run a function in a forked child that a time and a memory limit really stop.

Work that can take seconds or gigabytes (typesetting a PDF, parsing an
uploaded file, writing an import) must never hold a web or job worker past a
limit. Threads and signals cannot stop a C library in the middle of a layout,
and the process that asked must survive; so the work runs in a forked child:

- the child's data segment is capped with ``RLIMIT_DATA`` (heap and anonymous
  mappings, which is where Python, lxml and Pango allocate): past it,
  allocations fail and the work ends with MemoryError instead of taking the
  machine's memory;
- at the deadline, or when ``should_stop()`` says so (a cancelled job), the
  parent sends SIGKILL, which no handler can catch. The child first drops the
  signal handlers it inherited (gunicorn's SIGTERM handler made an earlier
  child unkillable by ``terminate()``) and asks the kernel to kill it if its
  parent dies (``PR_SET_PDEATHSIG``), so a worker killed by its own timeout
  leaves no orphan behind;
- the child reports progress and its result through a pipe and ends with
  ``os._exit``: it never runs the parent's exit handlers, and it never closes
  connections it shares with the parent.

A child that uses the database opens its own connections: the parent closes
its own before forking (``uses_database=True``), as Django's documentation
asks for forked processes. Without that flag the function must not touch the
database at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import pickle
import resource
import select
import signal
import struct
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Signals a web or job server may have given handlers to; the child must die of them as any process does.
_RESET_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGALRM", "SIGWINCH")
    if hasattr(signal, name)
)
_PR_SET_PDEATHSIG = 1
_HEADER = struct.Struct("!cI")  # message kind, payload length
_MEMORY_EXIT = 3  # the child ran out of memory and could not even report it
_CRASH_EXIT = 4


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_bytes: int | None = None  # beyond what the process already holds when it forks


class LimitExceeded(Exception):
    """The work was stopped by its time or memory limit; the message says which, in Chinese."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class Cancelled(Exception):
    """``should_stop()`` asked for the work to end; it was killed."""


class ChildCrashed(Exception):
    """The child died without a result (a signal, or a failure in C code)."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def run_bounded(
    fn: Callable[..., Any],
    /,
    *args: Any,
    limits: Limits,
    uses_database: bool = False,
    nice: int = 0,
    on_message: Callable[[Any], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    poll_seconds: float = 0.5,
    **kwargs: Any,
) -> Any:
    """``fn(*args, **kwargs)`` in a child; its return value, or its exception re-raised here.

    With ``on_message``, ``fn`` also gets ``report``: ``report(message)`` sends
    any picklable message to ``on_message`` in the parent (progress). Raises
    LimitExceeded, Cancelled or ChildCrashed when the child did not finish by
    itself; the child is dead and reaped whatever happens. ``nice`` lowers the
    child's CPU priority (background jobs yield to the requests of readers).
    """
    if uses_database:
        from django.db import connections

        connections.close_all()
    parent = os.getpid()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - the child's coverage is not collected; its behaviour is tested
        os.close(read_end)
        if on_message is not None:
            kwargs["report"] = lambda message: _send(write_end, "m", message)
        _child(fn, args, kwargs, parent=parent, limits=limits, uses_database=uses_database, nice=nice, out=write_end)
    os.close(write_end)
    child = _Child(pid)
    try:
        return _supervise(
            child, read_end, limits=limits, on_message=on_message, should_stop=should_stop, poll=poll_seconds
        )
    finally:
        os.close(read_end)
        child.kill()


@dataclass
class _Child:
    pid: int
    reaped: bool = False

    def reap(self) -> int | None:
        """Wait for the child to end; its wait status (once only: a reaped pid may be reused)."""
        self.reaped = True
        with contextlib.suppress(ChildProcessError):
            return os.waitpid(self.pid, 0)[1]
        return None

    def kill(self) -> None:
        if not self.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.reap()


def _supervise(child: _Child, pipe: int, *, limits: Limits, on_message, should_stop, poll: float) -> Any:
    deadline = time.monotonic() + limits.seconds
    reader = _MessageReader(pipe)
    outcome: tuple[str, Any] | None = None
    poller = select.poll()  # not select(): a busy worker's descriptors may be numbered past 1024
    poller.register(pipe, select.POLLIN)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LimitExceeded("time", _("超过时间上限（%(seconds)d 秒），已停止。") % {"seconds": limits.seconds})
        if should_stop is not None and should_stop():
            raise Cancelled(_("已取消。"))
        if not poller.poll(min(poll, remaining) * 1000):
            continue
        for kind, payload in reader.read():
            if kind == "m":
                if on_message is not None:
                    on_message(payload)
            else:
                outcome = (kind, payload)
        if reader.closed:
            break
    status = child.reap()
    if outcome is None:
        exit_code = os.waitstatus_to_exitcode(status) if status is not None else None
        if exit_code == _MEMORY_EXIT:
            raise _memory_exceeded(limits)
        raise ChildCrashed(_("处理进程异常退出（代码 %(code)s）。") % {"code": exit_code})
    kind, payload = outcome
    if kind == "r":
        return payload
    if isinstance(payload, MemoryError):
        raise _memory_exceeded(limits)
    raise payload


def _memory_exceeded(limits: Limits) -> LimitExceeded:
    megabytes = (limits.memory_bytes or 0) / 2**20
    return LimitExceeded("memory", _("超过内存上限（%(mb)d MB），已停止。") % {"mb": megabytes})


class _MessageReader:
    """Frames from the child's pipe: a kind byte, a length, a pickle."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()
        self.closed = False

    def read(self) -> list[tuple[str, Any]]:
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.closed = True
        self.buffer += chunk
        messages = []
        while len(self.buffer) >= _HEADER.size:
            kind, length = _HEADER.unpack_from(self.buffer)
            end = _HEADER.size + length
            if len(self.buffer) < end:
                break
            messages.append((kind.decode(), pickle.loads(self.buffer[_HEADER.size : end])))
            del self.buffer[:end]
        return messages


def _send(fd: int, kind: str, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(kind.encode(), len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


_in_child = False


def in_child() -> bool:
    """Whether this process is a bounded child (what it changes in its own memory dies with it)."""
    return _in_child


def _child(
    fn, args, kwargs, *, parent: int, limits: Limits, uses_database: bool, nice: int, out: int
) -> None:  # pragma: no cover
    global _in_child
    _in_child = True
    code = 0
    try:
        _become_independent(parent)
        if nice:
            _lower_priority(nice)
        if limits.memory_bytes:
            _cap_memory(limits.memory_bytes)
        result = fn(*args, **kwargs)
        _send(out, "r", result)
    except MemoryError:
        code = _MEMORY_EXIT
        with contextlib.suppress(BaseException):
            _send(out, "e", MemoryError())
            code = 1
    except BaseException as error:  # everything must reach the parent, which decides what it means
        code = 1
        try:
            _send(out, "e", _picklable(error))
        except BaseException:
            code = _CRASH_EXIT
    finally:
        if uses_database:
            with contextlib.suppress(BaseException):
                from django.db import connections

                connections.close_all()
        os._exit(code)


def die_with_parent() -> None:  # pragma: no cover - runs in a child
    """Ask the kernel to kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _become_independent(parent: int) -> None:  # pragma: no cover - runs in the child
    for number in _RESET_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(number, signal.SIG_DFL)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(_CRASH_EXIT)


def _lower_priority(nice: int) -> None:  # pragma: no cover - runs in the child
    """Yield the CPU to the web workers, also on kernels that share it between sessions first.

    With autogroup scheduling (sched_autogroup_enabled), the CPU is divided
    between sessions before nice values count, so a niced child in the job
    worker's session still took half of the machine from gunicorn's
    (bench/load.py; docs/performance.md).
    The child takes a session of its own and lowers that session's weight.
    """
    with contextlib.suppress(OSError):
        os.setsid()
        with open("/proc/self/autogroup", "w", encoding="ascii") as group:
            group.write(str(nice))
    os.nice(nice)


def _cap_memory(budget: int) -> None:  # pragma: no cover - runs in the child
    """Allow ``budget`` bytes of new heap and anonymous mappings on top of what the fork inherited."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = data_segment_bytes() + budget
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def data_segment_bytes() -> int:
    """This process's data segment (VmData): what RLIMIT_DATA limits."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _picklable(error: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError with its text and traceback."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"{type(error).__name__}: {error}\n{text}")
