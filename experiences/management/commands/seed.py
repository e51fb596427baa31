from django.core.management.base import BaseCommand

from experiences.seeding import seed


class Command(BaseCommand):
    help = "Load what is missing of the gazetteer, the themes and the curated seed corpus (never overwrites)."

    def handle(self, *args, **options):
        report = seed()
        if not report.changed:
            self.stdout.write("Seed content is up to date; nothing changed.")
            return
        for kind, n in sorted(report.created.items()):
            self.stdout.write(f"created {n} {kind}")
        self.stdout.write(self.style.SUCCESS("Seed content loaded."))
