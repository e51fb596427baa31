"""What each kind of job does, and the limits it runs under. Apps register their kinds in ``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


class JobFailed(Exception):
    """The job cannot be done, for a reason the person who asked can act on; the message says it in Chinese."""


@dataclass
class Outcome:
    """What a finished job leaves: a summary for its page, and optionally a file to download."""

    message: str = ""  # shown on the job's page
    summary: dict[str, Any] = field(default_factory=dict)
    file_path: str = ""  # a name in the job files' storage
    file_name: str = ""  # the name the download gets
    content_type: str = ""
    # Handed to ``after_success`` in the supervising process, not stored (the job may run in a child process).
    handover: Any = None


@dataclass(frozen=True)
class JobKind:
    """``run(job_id, report=...)`` does the work and may run in a forked child under the limits.

    ``report((percent, step))`` tells the progress. ``prepare()`` runs in the
    supervising process before the fork, so that what it loads (the
    segmenter, the fonts) is inherited and loaded once per worker, not once
    per job. ``after_success`` and ``after_failure`` run in the supervising
    process: a per-process cache must be told there, not in a child that ends.
    """

    run: Callable[..., Outcome]
    seconds_setting: str
    prepare: Callable[[], None] | None = None
    after_success: Callable[[Any, Outcome], None] | None = None
    after_failure: Callable[[Any, str], None] | None = None  # (job, reason); the job's state says which end

    @property
    def seconds(self) -> float:
        return float(getattr(settings, self.seconds_setting))

    @property
    def memory_bytes(self) -> int:
        return int(settings.KBASE_JOB_MEMORY_MB) * 2**20


_kinds: dict[str, JobKind] = {}


def register(name: str, kind: JobKind) -> None:
    _kinds[name] = kind


def get(name: str) -> JobKind:
    return _kinds[name]
