import time

from django.core.management.base import BaseCommand

from experiences.caching import content_changed


class Command(BaseCommand):
    help = (
        "Recount the lessons per place, theme and audience behind the browsing pages "
        "(after writing content in bulk without going through the importer)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        content_changed()  # rebuilds the maintained counts and drops cached page values
        self.stdout.write(f"Recounted in {time.perf_counter() - started:.1f} s.")
