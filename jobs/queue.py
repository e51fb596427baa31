"""Handing a job to whatever runs jobs here: Celery workers, a process started by this one, or the caller.

``KBASE_JOBS_MODE`` (README): ``celery`` when a broker is configured (any
number of worker machines), ``thread`` otherwise (``make run``: the embedded
default needs nothing; a thread starts ``manage.py run_job`` for each job and
waits for it), ``inline`` in tests (the job runs before ``submit`` returns).
The work itself runs under the same limits in every mode.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import kinds
from .models import Job

logger = logging.getLogger(__name__)


def submit(*, kind: str, params: dict, title: str = "", user=None, session_key: str = "", client: str = "") -> Job:
    """Record a job and hand it over once the caller's transaction commits (inline: at once, in tests).

    ``client`` is who asked as the rate limits see it (an account, or an
    address behind the proxies): it caps how many jobs one client may queue.
    """
    signed_in = user is not None and user.is_authenticated
    job = Job.objects.create(
        kind=kind,
        params=params,
        title=title[:200],
        requested_by=user if signed_in else None,
        session_key="" if signed_in else (session_key or ""),
        client=client[:64],
    )
    if settings.KBASE_JOBS_MODE == "inline":
        dispatch(job.pk)
    else:
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int, *, countdown: float = 0, resend: bool = False) -> None:
    """Hand the job to whatever runs jobs. ``resend``: a job already sent once, whose message may be lost."""
    Job.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    mode = settings.KBASE_JOBS_MODE
    if mode == "celery":
        _send_to_celery(job_id, countdown=countdown, resend=resend)
    elif mode == "thread":
        _executor().submit(_run_in_thread, job_id, countdown)
    else:
        from .running import execute

        execute(job_id)


def _send_to_celery(job_id: int, *, countdown: float, resend: bool) -> None:
    from .tasks import run_job

    job = Job.objects.get(pk=job_id)
    # Celery's own hard limit is a backstop behind the supervisor's: it would kill the supervisor itself.
    backstop = kinds.get(job.kind).seconds + 120
    try:
        run_job.apply_async(args=[job_id], countdown=countdown or None, time_limit=backstop)
    except Exception as error:  # kombu raises OperationalError and others when the broker is unreachable
        logger.error("job %s could not be queued: %s", job_id, error)
        if resend:
            return  # its first message may well be in the broker still: the next sweep tries again
        from .running import fail_undispatched

        fail_undispatched(job_id, _("后台任务服务暂时不可用，任务未能排队，请稍后重试。"))


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.KBASE_JOB_THREADS, thread_name_prefix="kbase-job")
        return _pool


def _run_in_thread(job_id: int, countdown: float) -> None:
    """Run the job in a process of its own (``manage.py run_job``), which this thread waits for.

    Not in this thread: the web process has other threads, and a child forked
    from a process with threads can inherit a lock another thread held at that
    moment (logging's, a connection's) and wait for it forever.
    """
    if countdown:
        time.sleep(countdown)
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "run_job", str(job_id)]
    try:
        subprocess.run(command, cwd=settings.BASE_DIR, check=False)
    except OSError:
        logger.exception("job %s: could not start its process", job_id)
