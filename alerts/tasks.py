"""The scheduled job (Celery beat, every hour): queue the digests' job, unless one is still queued or running."""

from __future__ import annotations

from celery import shared_task

from . import digests


@shared_task(name="alerts.send_digests", ignore_result=True)
def send_digests() -> None:
    digests.queue_run()
