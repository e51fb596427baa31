from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backups.archive import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded and job files into one archive (restore with manage.py restore)."

    def add_arguments(self, parser):
        parser.add_argument("archive", nargs="?", help="where to write it (default: kbase-backup-<time>.tar here)")

    def handle(self, *args, **options):
        path = Path(options["archive"] or f"kbase-backup-{timezone.now():%Y%m%d-%H%M%S}.tar")
        try:
            summary = create_backup(path)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up {summary.rows:,} rows in {summary.tables} tables and {summary.files} files "
            f"({summary.bytes / 1e6:.1f} MB) to {summary.path}"
        )
