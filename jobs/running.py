"""Running one job: claim it, run it under its limits, record progress and the outcome.

``execute`` is what a Celery worker, a background thread or (in tests) the
caller itself runs. The work runs in a forked child (``limits.run_bounded``)
that its time and memory limits really stop; this process, the supervisor,
writes progress and a heartbeat, watches for a cancel request, and records
the end. A job whose supervisor died (a worker killed, a machine lost) stops
beating and is found by ``reap_stale``: run again if attempts remain (every
kind is safe to run again: imports write in one transaction and check their
batch's state inside it), else marked failed.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import kinds, limits
from .models import Job

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress writes
CHECK_EVERY = 1.0  # seconds between looks at the cancel flag
HEARTBEAT_EVERY = 5.0


def execute(job_id: int) -> None:
    """Run a queued job to its end. Does nothing if another worker has it, or it is no longer queued."""
    reap_stale()
    job = _claim(job_id)
    if job is None:
        return
    kind = kinds.get(job.kind)
    monitor = _Monitor(job)
    try:
        outcome = _run(job, kind, monitor)
    except limits.Cancelled:
        _finish(job, kind, state=Job.State.CANCELLED, error=_("已取消。"))
    except limits.LimitExceeded as error:
        _finish(job, kind, state=Job.State.FAILED, error=str(error))
    except kinds.JobFailed as error:
        _finish(job, kind, state=Job.State.FAILED, error=str(error))
    except (DatabaseError, limits.ChildCrashed) as error:
        # Transient: a lost connection, a child killed from outside. Run again if attempts remain.
        logger.warning("job %s (%s) attempt %s failed: %s", job.pk, job.kind, job.attempts, error)
        if job.attempts < settings.KBASE_JOB_MAX_ATTEMPTS:
            _requeue(job.pk)
        else:
            _finish(job, kind, state=Job.State.FAILED, error=_crash_message(job.attempts))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, kind, state=Job.State.FAILED, error=_("处理时发生内部错误,已记录日志,请联系管理员。"))
    else:
        _succeed(job, kind, outcome)


def _run(job: Job, kind: kinds.JobKind, monitor: _Monitor) -> kinds.Outcome:
    if kind.prepare is not None:
        kind.prepare()
    if settings.KBASE_JOBS_ISOLATION and limits.can_fork():
        return limits.run_bounded(
            kind.run,
            job.pk,
            limits=limits.Limits(seconds=kind.seconds, memory_bytes=kind.memory_bytes),
            uses_database=True,
            nice=settings.KBASE_JOB_NICE,
            on_message=monitor.progress,
            should_stop=monitor.should_stop,
        )
    # In-process (tests, or a platform without fork): no hard limits; cancelling is checked at each step.
    return kind.run(job.pk, report=monitor.progress_or_stop)


def _claim(job_id: int) -> Job | None:
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED, cancel_requested=False).update(
        state=Job.State.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=f"{socket.gethostname()}:{os.getpid()}"[:100],
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return Job.objects.get(pk=job_id)


class _Monitor:
    """The supervisor's view of a running job: progress writes, heartbeat, cancel requests."""

    def __init__(self, job: Job):
        self.job = job
        self.last_write = 0.0
        self.last_check = time.monotonic()
        self.last_beat = time.monotonic()
        self.step = ""

    def progress(self, message) -> None:
        percent, step = message
        now = time.monotonic()
        if step == self.step and now - self.last_write < PROGRESS_EVERY:
            return
        self.step = step
        self.last_write = self.last_beat = now
        Job.objects.filter(pk=self.job.pk).update(
            progress=max(0, min(99, int(percent))), step=str(step)[:200], heartbeat_at=timezone.now()
        )

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self.last_beat >= HEARTBEAT_EVERY:
            self.last_beat = now
            Job.objects.filter(pk=self.job.pk).update(heartbeat_at=timezone.now())
        if now - self.last_check < CHECK_EVERY:
            return False
        self.last_check = now
        return Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()

    def progress_or_stop(self, message) -> None:
        self.progress(message)
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise limits.Cancelled(_("已取消。"))


def _succeed(job: Job, kind: kinds.JobKind, outcome: kinds.Outcome) -> None:
    now = timezone.now()
    fields = {
        "state": Job.State.SUCCEEDED,
        "progress": 100,
        "step": outcome.message[:200],
        "result": {"message": outcome.message, **outcome.summary},
        "finished_at": now,
    }
    if outcome.file_path:
        fields |= {
            "result_file": outcome.file_path,
            "result_name": outcome.file_name[:200],
            "result_type": outcome.content_type[:120],
            "expires_at": now + timedelta(seconds=settings.KBASE_JOB_RESULT_SECONDS),
        }
    Job.objects.filter(pk=job.pk).update(**fields)
    if kind.after_success is not None:
        job.refresh_from_db()
        try:
            kind.after_success(job, outcome)
        except Exception:  # the work is done and recorded; a failed cache bump must not undo that
            logger.exception("after_success of job %s failed", job.pk)


def _finish(job: Job, kind: kinds.JobKind, *, state: str, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(state=state, error=error, step="", finished_at=timezone.now())
    job.refresh_from_db()
    if kind.after_failure is not None:
        try:
            kind.after_failure(job, error)
        except Exception:
            logger.exception("after_failure of job %s failed", job.pk)


def _crash_message(attempts: int) -> str:
    return _("执行任务的进程意外停止(已尝试 %(n)d 次),请稍后重试或联系管理员。") % {"n": attempts}


def _requeue(job_id: int) -> None:
    from .queue import dispatch

    Job.objects.filter(pk=job_id).update(state=Job.State.QUEUED, step=_("等待重试"), heartbeat_at=None)
    transaction.on_commit(lambda: dispatch(job_id, countdown=5))


def cancel(job: Job) -> bool:
    """Ask a job to stop: a queued one ends now, a running one when its supervisor next looks (within a second)."""
    if job.finished:
        return False
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    ended = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
        state=Job.State.CANCELLED, error=_("已取消。"), finished_at=timezone.now()
    )
    if ended:
        job.refresh_from_db()
        kind = kinds.get(job.kind)
        if kind.after_failure is not None:
            kind.after_failure(job, job.error)
    return True


_last_reap = 0.0
REAP_EVERY = 10.0


def reap_stale(*, force: bool = False) -> None:
    """Jobs nobody is running any more: run them again or fail them; and result files past their day.

    Called on every job page and job start; does its queries at most every
    REAP_EVERY seconds per process.
    """
    global _last_reap
    now_monotonic = time.monotonic()
    if not force and now_monotonic - _last_reap < REAP_EVERY:
        return
    _last_reap = now_monotonic
    now = timezone.now()
    stale = now - timedelta(seconds=settings.KBASE_JOB_STALE_SECONDS)
    for job in Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=stale)[:20]:
        _reap_one(job, stale)
    if settings.KBASE_JOBS_MODE == "celery":
        # A broker restarted without persistence loses queued messages: send them again (a claim runs each once).
        lost = now - timedelta(seconds=settings.KBASE_JOB_REDISPATCH_SECONDS)
        from .queue import dispatch

        for job_id in Job.objects.filter(state=Job.State.QUEUED, dispatched_at__lt=lost).values_list("pk", flat=True)[
            :20
        ]:
            dispatch(job_id)
    _drop_expired_files(now)


def _reap_one(job: Job, stale) -> None:
    kind = kinds.get(job.kind)
    if job.attempts < settings.KBASE_JOB_MAX_ATTEMPTS:
        taken = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, heartbeat_at__lt=stale).update(
            state=Job.State.QUEUED, step=_("执行进程已停止,等待重试"), heartbeat_at=None
        )
        if taken:
            logger.warning("job %s (%s): its worker stopped; queued again", job.pk, job.kind)
            from .queue import dispatch

            transaction.on_commit(lambda: dispatch(job.pk))
        return
    taken = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, heartbeat_at__lt=stale).update(
        state=Job.State.FAILED, error=_crash_message(job.attempts), finished_at=timezone.now()
    )
    if taken and kind.after_failure is not None:
        logger.warning("job %s (%s): its worker stopped; failed after %s attempts", job.pk, job.kind, job.attempts)
        job.refresh_from_db()
        kind.after_failure(job, job.error)


def _drop_expired_files(now) -> None:
    expired = Job.objects.filter(Q(expires_at__lt=now) & ~Q(result_file=""))[:50]
    for job in expired:
        job.result_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(result_file="")


def fail_undispatched(job_id: int, reason: str) -> None:
    """A job that could not even be queued (the broker is down) ends at once, with the reason."""
    job = Job.objects.get(pk=job_id)
    if job.state == Job.State.QUEUED:
        _finish(job, kinds.get(job.kind), state=Job.State.FAILED, error=reason)
