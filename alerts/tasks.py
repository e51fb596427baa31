"""The scheduled job (Celery beat, every hour): send the digests that are due."""

from __future__ import annotations

from celery import shared_task

from . import digests


@shared_task(name="alerts.send_digests", ignore_result=True)
def send_digests() -> None:
    digests.send_due()
