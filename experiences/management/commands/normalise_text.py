from django.core.management.base import BaseCommand

from experiences.normalising import normalise_base


class Command(BaseCommand):
    help = (
        "Make half-width punctuation between Chinese characters full-width (，：；？！（）“”) in the texts, "
        "headings and lessons stored before the importer did so. Excerpts stay verbatim; history records it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {done}/{total} documents")

        report = normalise_base(dry_run=dry_run, progress=progress)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{report.documents} document(s) {verb}: {report.marks} mark(s) in their texts, "
            f"{report.sections} section heading(s), {report.lessons} lesson(s)."
        )
