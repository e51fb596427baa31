"""What the rebuild commands share: run a job here and now, or queue it for the workers."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from . import queue, running
from .models import Job


class JobCommand(BaseCommand):
    """A command that does its work as a Job: recorded, limited and visible in the admin like any other."""

    job_kind: str = ""
    job_title: str = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the job for the workers and return at once (its progress is in the admin).",
        )

    def handle(self, *args, **options):
        if options["background"]:
            job = queue.submit(kind=self.job_kind, params={}, title=self.job_title)
            self.stdout.write(f"Queued job {job.pk} ({job.get_kind_display()}): see /admin/jobs/job/{job.pk}/change/")
            return
        started = time.perf_counter()
        job = Job.objects.create(kind=self.job_kind, params={}, title=self.job_title)
        running.execute(job.pk)  # here, under the job's limits (a forked child where fork exists)
        job.refresh_from_db()
        if job.state != Job.State.SUCCEEDED:
            raise CommandError(f"{job.get_state_display()}: {job.error}")
        self.stdout.write(f"{job.result.get('message', '')} ({time.perf_counter() - started:.1f} s, job {job.pk})")
