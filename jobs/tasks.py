"""The Celery task every job runs as; the work and its limits are in running.py."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from . import running


# acks_late + reject_on_worker_lost: a job whose worker process dies is delivered again; the claim in
# running.execute makes sure that no job runs twice at once, and reap_stale decides whether it runs again.
@shared_task(name="jobs.run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> None:
    running.execute(job_id)


@worker_ready.connect
def _reap_on_start(**kwargs) -> None:
    running.reap_stale(force=True)
