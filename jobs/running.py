"""Running one job: claim it, run it under its limits, record progress and the outcome.

``execute`` is what a Celery worker, a background thread or (in tests) the
caller itself runs. The work runs in a forked child (``limits.run_bounded``)
that its time and memory limits really stop; this process, the supervisor,
writes progress and a heartbeat, watches for a cancel request, and records
the end. A job whose supervisor died (a worker killed, a machine lost) stops
beating and is found by ``reap_stale``: run again if attempts remain, else
marked failed. Running again is safe because each kind makes its effect in
one step at its end (imports write in one transaction and mark their batch
imported inside it; exports save their file last), and because every write
of a supervisor is conditional on its own attempt: a supervisor that was
presumed dead and replaced cannot overwrite what its successor records.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import kinds, limits
from .models import Job

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress writes
CHECK_EVERY = 1.0  # seconds between looks at the cancel flag
HEARTBEAT_EVERY = 5.0
# A lost connection or a child killed from outside: worth another attempt. Anything else the work raises
# (an IntegrityError included) would fail the same way again.
TRANSIENT = (OperationalError, InterfaceError, limits.ChildCrashed)


def execute(job_id: int) -> None:
    """Run a queued job to its end. Does nothing if another worker has it, or it is no longer queued."""
    reap_stale()
    queued = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).values_list("kind", flat=True).first()
    if queued is None:
        return
    kind = kinds.get(queued)
    if kind.prepare is not None:
        # Before the claim: what it loads can take longer than a heartbeat's patience (the segmenter's IDF
        # table over a large base), and nothing here is the job's own work yet.
        kind.prepare()
    job = _claim(job_id)
    if job is None:
        return
    monitor = _Monitor(job)
    try:
        outcome = _run(job, kind, monitor)
    except limits.Cancelled:
        _finish(job, kind, state=Job.State.CANCELLED, error=_("已取消。"))
    except limits.LimitExceeded as error:
        _finish(job, kind, state=Job.State.FAILED, error=str(error))
    except kinds.JobFailed as error:
        _finish(job, kind, state=Job.State.FAILED, error=str(error))
    except TRANSIENT as error:
        logger.warning("job %s (%s) attempt %s failed: %s", job.pk, job.kind, job.attempts, error)
        if job.attempts < settings.KBASE_JOB_MAX_ATTEMPTS:
            _requeue(job)
        else:
            _finish(job, kind, state=Job.State.FAILED, error=_crash_message(job.attempts))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, kind, state=Job.State.FAILED, error=_("处理时发生内部错误，已记录日志，请联系管理员。"))
    else:
        _succeed(job, kind, outcome)


def _run(job: Job, kind: kinds.JobKind, monitor: _Monitor) -> kinds.Outcome:
    # Inside a transaction (an inline job in a test) the child could not see the caller's rows, and closing
    # the connection before forking would roll them back: such a job runs in this process.
    if settings.KBASE_JOBS_ISOLATION and limits.can_fork() and not connection.in_atomic_block:
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


def _mine(job: Job):
    """The job's row, as long as this attempt still holds it (not reaped and run again by another worker)."""
    return Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)


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
        _mine(self.job).update(
            progress=max(0, min(99, int(percent))), step=str(step)[:200], heartbeat_at=timezone.now()
        )

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self.last_beat >= HEARTBEAT_EVERY:
            self.last_beat = now
            if not _mine(self.job).update(heartbeat_at=timezone.now()):
                return True  # presumed dead and taken over, or ended from outside: stop this attempt
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
    if not _mine(job).update(**fields):
        return  # another attempt holds the job now; it records its own end
    if kind.after_success is not None:
        job.refresh_from_db()
        _hook(kind.after_success, job, outcome)


def _finish(job: Job, kind: kinds.JobKind, *, state: str, error: str) -> None:
    if not _mine(job).update(state=state, error=error, step="", finished_at=timezone.now()):
        return
    job.refresh_from_db()
    if kind.after_failure is not None:
        _hook(kind.after_failure, job, error)


def _hook(function, job: Job, argument) -> None:
    """What an app does after a job ends; its failure is logged, and must not undo the job's recorded end."""
    try:
        function(job, argument)
    except Exception:
        logger.exception("the end hook of job %s failed", job.pk)


def _crash_message(attempts: int) -> str:
    return _("执行任务的进程意外停止（已尝试 %(n)d 次），请稍后重试或联系管理员。") % {"n": attempts}


def _requeue(job: Job) -> None:
    """Another attempt, unless someone asked to cancel the job meanwhile: then it ends cancelled."""
    from .queue import dispatch

    again = (
        _mine(job).filter(cancel_requested=False).update(state=Job.State.QUEUED, step=_("等待重试"), heartbeat_at=None)
    )
    if again:
        transaction.on_commit(lambda: dispatch(job.pk, countdown=5))
    else:
        _finish(job, kinds.get(job.kind), state=Job.State.CANCELLED, error=_("已取消。"))


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
            _hook(kind.after_failure, job, job.error)
    return True


_last_reap = 0.0
REAP_EVERY = 10.0


def reap_stale(*, force: bool = False) -> None:
    """Jobs nobody is running any more: run them again or end them; and result files past their day.

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
    if settings.KBASE_JOBS_MODE != "inline":
        # A broker restarted without persistence forgets its queue, a web worker restarted drops the jobs its
        # thread had not started: send those again (a claim runs each once, however often it is sent).
        from .queue import dispatch

        lost = now - timedelta(seconds=settings.KBASE_JOB_REDISPATCH_SECONDS)
        waiting = Job.objects.filter(state=Job.State.QUEUED, dispatched_at__lt=lost, cancel_requested=False)
        for job_id in waiting.values_list("pk", flat=True)[:20]:
            dispatch(job_id, resend=True)
    _drop_expired_files(now)


def _reap_one(job: Job, stale) -> None:
    presumed_dead = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, heartbeat_at__lt=stale)
    kind = kinds.get(job.kind)
    if job.attempts < settings.KBASE_JOB_MAX_ATTEMPTS and not job.cancel_requested:
        if presumed_dead.update(state=Job.State.QUEUED, step=_("执行进程已停止，等待重试"), heartbeat_at=None):
            logger.warning("job %s (%s): its worker stopped; queued again", job.pk, job.kind)
            from .queue import dispatch

            transaction.on_commit(lambda: dispatch(job.pk))
        return
    if job.cancel_requested:
        state, error = Job.State.CANCELLED, _("已取消。")
    else:
        state, error = Job.State.FAILED, _crash_message(job.attempts)
    if presumed_dead.update(state=state, error=error, finished_at=timezone.now()):
        logger.warning("job %s (%s): its worker stopped; ended as %s", job.pk, job.kind, state)
        job.refresh_from_db()
        if kind.after_failure is not None:
            _hook(kind.after_failure, job, job.error)


def _drop_expired_files(now) -> None:
    expired = Job.objects.filter(Q(expires_at__lt=now) & ~Q(result_file=""))[:50]
    for job in expired:
        try:
            job.result_file.delete(save=False)
        except OSError:
            logger.exception("job %s: its expired file could not be deleted", job.pk)
        Job.objects.filter(pk=job.pk).update(result_file="")


def fail_undispatched(job_id: int, reason: str) -> None:
    """A job that could not even be queued (the broker is down) ends at once, with the reason."""
    job = Job.objects.get(pk=job_id)
    if Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.FAILED, error=reason, finished_at=timezone.now()
    ):
        job.refresh_from_db()
        kind = kinds.get(job.kind)
        if kind.after_failure is not None:
            _hook(kind.after_failure, job, reason)
