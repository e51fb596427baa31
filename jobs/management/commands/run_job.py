from django.core.management.base import BaseCommand

from jobs import running


class Command(BaseCommand):
    help = "Run one queued job here, under its limits (what a web process without a broker starts for each job)."

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)

    def handle(self, *args, **options):
        running.execute(options["job_id"])
