import time

from django.core.management.base import BaseCommand

from experiences import search


class Command(BaseCommand):
    help = "Rebuild the full-text search index of practices, recommendations and document sections."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = search.rebuild()
        self.stdout.write(f"Indexed {count} items in {time.perf_counter() - started:.1f} s.")
